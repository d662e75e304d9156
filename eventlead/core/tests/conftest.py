"""Fixtures for the API-wide tests: a company admin whose data fills every path of the API."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def company_admin(auth_client):
    """``user`` signed in as the admin of a company with a pending invitation.

    ``values`` holds a real value for each path parameter of the API, so that a request gets
    past authentication, permissions and lookups to the point where the view reads its body.
    """
    company = auth_client.post("/api/v1/companies", {"companyName": "Acme Events", "countryCode": "AU"}, format="json")
    assert company.status_code == 201, company.content
    company_id = company.json()["companyId"]
    invitation = auth_client.post(
        f"/api/v1/companies/{company_id}/invitations",
        {"email": "invitee@example.com", "role": "company_user"},
        format="json",
    )
    assert invitation.status_code == 201, invitation.content
    members = auth_client.get(f"/api/v1/companies/{company_id}/members")
    assert members.status_code == 200, members.content
    rows = members.json()
    rows = rows["results"] if isinstance(rows, dict) else rows  # paginated or not
    sessions = auth_client.get("/api/v1/auth/sessions")
    assert sessions.status_code == 200, sessions.content
    values = {
        "company_id": company_id,
        "invitation_id": invitation.json()["invitationId"],
        "user_company_id": rows[0]["userCompanyId"],
        "token": "an-invitation-token",  # accept and decline read their body before the token
        "name": "countries",
        "session_id": sessions.json()["results"][0]["sessionId"],
    }
    return SimpleNamespace(client=auth_client, values=values)
