"""The back office's list of every company's invitations: read-only, the status as the invitee sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from companies.admin import INVITATION_EXPIRED
from companies.models import Company, UserInvitation
from eventlead.backoffice.testing import admin_client, assert_read_only, system_admin  # noqa: F401 (fixtures)
from reference import models as ref
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/companies/userinvitation/"


def invitation(admin, email, *, expires_in=timedelta(days=7), token_hash="a" * 64):
    company = Company.objects.get_or_create(
        company_name="Harbourside Expos", defaults={"country": ref.Country.objects.get(country_code="AU")}
    )[0]
    return UserInvitation.objects.create(
        company=company,
        invited_email=email,
        token_hash=token_hash,
        role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
        status_id=reference_id(ref.UserInvitationStatus, ref.UserInvitationStatus.PENDING),
        invited_by=admin,
        expires_at=timezone.now() + expires_in,
    )


def test_the_list_shows_a_pending_invitation_past_its_expiry_as_expired(admin_client, system_admin):  # noqa: F811
    invitation(system_admin, "late@example.com", expires_in=timedelta(minutes=-1), token_hash="b" * 64)
    invitation(system_admin, "open@example.com")

    response = admin_client.get(LIST_URL)

    changelist = response.context["cl"]
    assert {row.invited_email: changelist.model_admin.current_status(row) for row in changelist.result_list} == {
        "late@example.com": INVITATION_EXPIRED,
        "open@example.com": "Pending",
    }


def test_an_invitation_can_be_read_but_not_changed_and_its_token_hash_is_never_shown(admin_client, system_admin):  # noqa: F811
    row = invitation(system_admin, "open@example.com", token_hash="c" * 64)

    page = admin_client.get(f"{LIST_URL}{row.pk}/change/").content.decode()

    assert "open@example.com" in page
    assert "c" * 64 not in page
    assert_read_only(admin_client, UserInvitation, row)


def test_the_company_and_the_inviter_link_to_their_pages(admin_client, system_admin):  # noqa: F811
    row = invitation(system_admin, "open@example.com")

    page = admin_client.get(LIST_URL).content.decode()

    assert f'href="/admin/companies/company/{row.company_id}/change/"' in page
    assert f'href="/admin/accounts/user/{system_admin.pk}/change/"' in page
