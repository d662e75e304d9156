"""A user's page tells their story: auth events, audit trail, emails, invitations sent and received.

Each panel reads its own bounded rows (newest first, a fixed number), so the page runs the same
queries with one row in every panel as with a hundred. The audit trail shows each change field
by field, old → new. Every list that names a user links to this page.
"""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import dateformat, timezone

from accounts.admin import (
    AUTH_EVENT_PANEL_ROWS,
    EMAIL_PANEL_ROWS,
    INVITATION_PANEL_ROWS,
    TRAIL_PANEL_ROWS,
)
from accounts.models import SessionEndReason, UserSession
from auditing.models import ActivityLog, AuditUser
from companies.admin import INVITATION_EXPIRED
from companies.models import Company, UserCompany, UserInvitation
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)
from eventlead.core.redaction import REDACTED
from logging_app.models import AuthEvent, EmailDelivery
from reference import models as ref
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

USERS_URL = "/admin/accounts/user/"
# The user's page: the browser's session and the signed-in admin (2), the user, their
# memberships, their sessions, the admin's content type, the role and status choices (the page
# before its story: 8), then the story: the user's auth events and those typed with their
# address (2), their snapshots and the actions on their account (2), their emails (1), the
# invitations they sent (1) and received (1): 15. MFA is off (on, its recovery codes left: 16).
PAGE_QUERIES = 15
FIREFOX_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def change_url(user) -> str:
    return f"{USERS_URL}{user.pk}/change/"


def text(cell: str) -> str:
    """A cell as read: a block (a change, a description) starts a new word, inline markup does not."""
    spaced = re.sub(r"<(?:div|li|p|br)\b[^>]*>", " ", cell)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def rows_of(body: str, css_class: str) -> list[list[str]]:
    """The rows of one panel as text, one list of cells a row."""
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(rf'<tr class="{css_class}">(.*?)</tr>\s*(?=<tr|</tbody>)', body, re.S)
    ]


def page(client, user) -> str:
    response = client.get(change_url(user))
    assert response.status_code == 200
    return response.content.decode()


NOW = timezone.now().replace(microsecond=0)


def ago(minutes: int):
    return NOW - timedelta(minutes=minutes)


def shown(value, format_="Y-m-d H:i:s") -> str:
    return dateformat.format(timezone.localtime(value), format_)


def _ids(model, n):
    return list(model.objects.order_by("-pk").values_list("pk", flat=True)[:n])[::-1]


def companies(n) -> list[Company]:
    au = ref.Country.objects.get(country_code="AU")
    Company.objects.bulk_create([Company(company_name=f"Company {i}", country=au) for i in range(n)])
    return list(Company.objects.order_by("-pk")[:n])[::-1]


def invitation(company, email, invited_by, *, status=ref.UserInvitationStatus.PENDING, at=None, **fields):
    at = at or timezone.now()
    return UserInvitation(
        company=company,
        invited_email=email,
        token_hash=f"{company.pk:032d}{abs(hash((email, at))) % 10**32:032d}",
        role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
        status_id=reference_id(ref.UserInvitationStatus, status),
        invited_by=invited_by,
        invited_at=at,
        expires_at=at + timedelta(days=7),
        **fields,
    )


def fill_every_panel(user, admin, n) -> None:
    """``n`` rows in every panel of ``user``'s page, each naming a related row where it shows one."""
    teams = companies(n)
    UserCompany.objects.bulk_create(
        [
            UserCompany(
                user=user,
                company=company,
                role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
                status_id=reference_id(ref.UserCompanyStatus, ref.UserCompanyStatus.ACTIVE),
                joined_via_id=reference_id(ref.JoinedVia, ref.JoinedVia.INVITATION),
            )
            for company in teams
        ]
    )
    now = timezone.now()
    UserSession.objects.bulk_create(
        [
            UserSession(
                session_key=f"key-{i}",
                user=user,
                authenticated_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(days=7),
                ended_at=now,
                end_reason=SessionEndReason.ADMIN,
                updated_by=admin,
            )
            for i in range(n)
        ]
    )
    AuthEvent.objects.bulk_create(
        [AuthEvent(user=user, email=user.email, event_type="login_success", user_agent=FIREFOX_ON_WINDOWS)] * n
        + [AuthEvent(email=user.email, event_type="login_failed", failure_reason="unknown_email")] * n
    )
    AuditUser.objects.bulk_create(
        [
            AuditUser(
                user_id=user.pk,
                operation="update",
                changed_fields=["FirstName"],
                old_values={"FirstName": f"Mia {i}"},
                new_values={"FirstName": f"Mia {i + 1}"},
                changed_by=admin,
            )
            for i in range(n)
        ]
    )
    ActivityLog.objects.bulk_create(
        [ActivityLog(action="account_locked", entity_type="User", entity_id=str(user.pk), user=admin)] * n
    )
    EmailDelivery.objects.bulk_create(
        [EmailDelivery(recipient_email=user.email, email_type="account_locked", subject="Locked", user=user)] * n
    )
    UserInvitation.objects.bulk_create(
        [invitation(company, f"invitee{i}@example.com", user, accepted_user=admin) for i, company in enumerate(teams)]
        + [invitation(company, user.email, admin) for company in teams]
    )


# Queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 100])
def test_the_page_runs_the_same_queries_with_1_or_100_rows_in_every_panel(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    django_assert_num_queries,
    rows,
):
    fill_every_panel(user, system_admin, rows)
    ContentType.objects.clear_cache()

    with django_assert_num_queries(PAGE_QUERIES):
        response = admin_client.get(change_url(user))

    assert response.status_code == 200
    context = response.context
    assert len(context["auth_events_panel"].rows) == min(2 * rows, AUTH_EVENT_PANEL_ROWS)
    assert len(context["trail_panel"].rows) == min(2 * rows, TRAIL_PANEL_ROWS)
    assert len(context["emails_panel"].rows) == min(rows, EMAIL_PANEL_ROWS)
    assert len(context["invitations_sent_panel"].rows) == min(rows, INVITATION_PANEL_ROWS)
    assert len(context["invitations_received_panel"].rows) == min(rows, INVITATION_PANEL_ROWS)


# Auth events --------------------------------------------------------------------------------


def test_auth_events_are_the_users_and_those_typed_with_their_address_newest_first(
    admin_client,  # noqa: F811
    user,
    make_user,
):
    other = make_user("other@example.com")
    AuthEvent.objects.bulk_create(
        [
            AuthEvent(
                user=user,
                email=user.email,
                event_type="login_success",
                ip_address="203.0.113.7",
                user_agent=FIREFOX_ON_WINDOWS,
                created_date=ago(30),
            ),
            AuthEvent(
                email=user.email, event_type="login_failed", failure_reason="unknown_email", created_date=ago(60)
            ),
            AuthEvent(user=user, email=user.email, event_type="logout", created_date=ago(10)),
            # Not theirs: another account's event, and a failure typed with another address.
            AuthEvent(user=other, email=other.email, event_type="login_success", created_date=ago(5)),
            AuthEvent(email="someone@example.com", event_type="login_failed", created_date=ago(5)),
        ]
    )

    body = page(admin_client, user)

    assert rows_of(body, "auth-event-row") == [
        [shown(ago(10)), "Logout", "—", user.email, "—", "Unknown device"],
        [shown(ago(30)), "Login Success", "—", user.email, "203.0.113.7", "Firefox on Windows"],
        [shown(ago(60)), "Login Failed", "unknown_email", f"{user.email} (no account found)", "—", "Unknown device"],
    ]
    assert f'title="{FIREFOX_ON_WINDOWS}"' in body


def test_the_auth_events_panel_shows_the_newest_50_and_links_to_the_rest(admin_client, user):  # noqa: F811
    AuthEvent.objects.bulk_create(
        [
            AuthEvent(user=user, email=user.email, event_type="token_refreshed", created_date=ago(i))
            for i in range(AUTH_EVENT_PANEL_ROWS + 1)
        ]
    )

    response = admin_client.get(change_url(user))

    panel = response.context["auth_events_panel"]
    shown = [row.event.created_date for row in panel.rows]
    assert len(shown) == AUTH_EVENT_PANEL_ROWS and shown == sorted(shown, reverse=True)
    assert min(shown) > ago(AUTH_EVENT_PANEL_ROWS)  # the oldest is left out
    assert panel.truncated
    body = response.content.decode()
    assert f"The newest {AUTH_EVENT_PANEL_ROWS} are shown." in body
    by_user = f"/admin/logging_app/authevent/?user__id__exact={user.pk}"
    by_address = "/admin/logging_app/authevent/?" + urlencode({"q": user.email})
    assert f'href="{by_user}"' in body and f'href="{by_address.replace("&", "&amp;")}"' in body
    assert admin_client.get(by_user).context["cl"].result_count == AUTH_EVENT_PANEL_ROWS + 1


# Audit trail --------------------------------------------------------------------------------


def test_an_edit_in_the_back_office_shows_in_the_trail_as_old_to_new(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
):
    url = change_url(user)
    edited = change_form_data(admin_client.get(url), first_name="Maya", role_title="Producer")
    assert admin_client.post(url, edited).status_code == 302

    body = page(admin_client, user)

    [row] = rows_of(body, "trail-row")
    assert row[1:3] == ["Update", system_admin.email]
    changes = re.findall(r'<li class="trail-change">(.*?)</li>', body, re.S)
    assert [text(change) for change in changes] == ["First name: Mia → Maya", "Role title: (empty) → Producer"]
    assert "<del>Mia</del> → <ins>Maya</ins>" in body
    assert "Last name" not in "".join(changes)  # unchanged: not shown


def test_the_trail_merges_snapshots_and_actions_about_the_user_only_newest_first(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    make_user,
):
    other = make_user("other@example.com")
    AuditUser.objects.create(
        user_id=user.pk, operation="insert", new_values={"FirstName": "Mia", "Phone": ""}, changed_date=ago(30)
    )
    ActivityLog.objects.create(
        action="mfa_reset",
        entity_type="User",
        entity_id=str(user.pk),
        user=system_admin,
        description="Lost phone",
        created_date=ago(20),
    )
    AuditUser.objects.create(
        user_id=user.pk,
        operation="update",
        old_values={"IsLocked": False},
        new_values={"IsLocked": True},
        changed_date=ago(10),
    )
    # About someone else: another user's snapshot, an action on another entity with the same id.
    AuditUser.objects.create(user_id=other.pk, operation="update", old_values={"FirstName": "A"}, new_values={})
    ActivityLog.objects.create(action="company_created", entity_type="Company", entity_id=str(user.pk))

    body = page(admin_client, user)

    assert [row[1:] for row in rows_of(body, "trail-row")] == [
        ["Update", "—", "Is locked: No → Yes"],
        [f"mfa_reset (User {user.pk}) Lost phone", system_admin.email, "—"],
        ["Insert", "—", "First name: Mia"],
    ]
    assert f'href="/admin/accounts/user/{system_admin.pk}/change/"' in body


def test_the_trail_shows_the_newest_rows_and_links_to_the_lists_behind_it(admin_client, user):  # noqa: F811
    AuditUser.objects.bulk_create(
        [
            AuditUser(user_id=user.pk, operation="update", new_values={"Phone": str(i)}, changed_date=ago(i))
            for i in range(TRAIL_PANEL_ROWS + 1)
        ]
    )

    response = admin_client.get(change_url(user))

    panel = response.context["trail_panel"]
    assert [row.entry.changes[0].new for row in panel.rows] == [str(i) for i in range(TRAIL_PANEL_ROWS)]
    assert panel.truncated
    body = response.content.decode()
    for url in (
        f"/admin/auditing/audituser/?user__id__exact={user.pk}",
        f"/admin/auditing/activitylog/?entity_type=User&amp;entity_id={user.pk}",
        f"/admin/auditing/auditrole/?user__id__exact={user.pk}",
    ):
        assert f'href="{url}"' in body


def test_the_lists_behind_the_trail_are_filtered_to_the_user(admin_client, user, make_user):  # noqa: F811
    other = make_user("other@example.com")
    mine = ActivityLog.objects.create(action="mfa_reset", entity_type="User", entity_id=str(user.pk))
    ActivityLog.objects.create(action="mfa_reset", entity_type="User", entity_id=str(other.pk))
    ActivityLog.objects.create(action="company_created", entity_type="Company", entity_id=str(user.pk))

    response = admin_client.get("/admin/auditing/activitylog/", {"entity_type": "User", "entity_id": user.pk})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]


def test_the_trail_escapes_values_and_keeps_secrets_redacted(admin_client, user):  # noqa: F811
    AuditUser.objects.create(
        user_id=user.pk,
        operation="update",
        old_values={"FirstName": "Mia", "PasswordHash": "argon2$secret-old"},
        new_values={"FirstName": "<script>alert(1)</script>", "PasswordHash": "argon2$secret-new"},
    )

    body = page(admin_client, user)

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "secret-old" not in body and "secret-new" not in body
    assert f"<del>{REDACTED}</del> → <ins>{REDACTED}</ins>" in body


# Emails -------------------------------------------------------------------------------------


def test_emails_are_the_users_and_those_to_their_address_newest_first(admin_client, user, make_user):  # noqa: F811
    other = make_user("other@example.com")
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                recipient_email=user.email,
                email_type="email_verification",
                subject="Verify",
                user=user,
                status="sent",
                attempt_count=1,
                sent_at=ago(59),
                created_date=ago(60),
            ),
            # An invitation before they had an account: no user on the row.
            EmailDelivery(recipient_email=user.email, email_type="invitation", subject="Join", created_date=ago(90)),
            EmailDelivery(
                recipient_email=user.email,
                email_type="account_locked",
                subject="Locked",
                user=user,
                status="failed",
                attempt_count=8,
                error_message="550 <mailbox> unavailable",
                created_date=ago(5),
            ),
            EmailDelivery(recipient_email=other.email, email_type="invitation", subject="Other", user=other),
        ]
    )

    body = page(admin_client, user)

    assert rows_of(body, "email-row") == [
        [shown(ago(5)), "Account Locked", user.email, "Locked", "Failed", "8", "—"],
        [shown(ago(60)), "Email Verification", user.email, "Verify", "Sent", "1", shown(ago(59))],
        [shown(ago(90)), "Invitation", user.email, "Join", "Queued", "0", "—"],
    ]
    assert 'title="550 &lt;mailbox&gt; unavailable"' in body
    assert f'href="/admin/logging_app/emaildelivery/?user__id__exact={user.pk}"' in body


def test_the_emails_panel_is_bounded(admin_client, user):  # noqa: F811
    EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(recipient_email=user.email, email_type="invitation", subject=str(i), created_date=ago(i))
            for i in range(EMAIL_PANEL_ROWS + 1)
        ]
    )

    panel = admin_client.get(change_url(user)).context["emails_panel"]

    assert [email.subject for email in panel.rows] == [str(i) for i in range(EMAIL_PANEL_ROWS)]
    assert panel.truncated


# Invitations --------------------------------------------------------------------------------


def test_invitations_sent_and_received_with_their_status(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    user,
    make_user,
):
    acme, kiwi, third = companies(3)
    invitee = make_user("invitee@example.com")
    UserInvitation.objects.bulk_create(
        [
            # Sent by the user: one accepted, one pending past its expiry.
            invitation(
                acme,
                invitee.email,
                user,
                status=ref.UserInvitationStatus.ACCEPTED,
                accepted_user=invitee,
                accepted_at=ago(50),
                at=ago(60),
            ),
            invitation(kiwi, "late@example.com", user, at=ago(60 * 24 * 8)),
            # Received: to their address, and one accepted under an address they have since changed.
            invitation(kiwi, user.email, system_admin, at=ago(30)),
            invitation(
                third,
                "former@example.com",
                system_admin,
                status=ref.UserInvitationStatus.ACCEPTED,
                accepted_user=user,
                at=ago(40),
            ),
            # Neither.
            invitation(third, "stranger@example.com", system_admin, at=ago(1)),
        ]
    )

    body = page(admin_client, user)

    def expiry(minutes):
        return shown(ago(minutes) + timedelta(days=7), "Y-m-d H:i")

    assert rows_of(body, "invitation-sent-row") == [
        [
            shown(ago(60), "Y-m-d H:i"),
            "Company 0",
            invitee.email,
            "Company user",
            "Accepted",
            expiry(60),
            invitee.email,
        ],
        [
            shown(ago(60 * 24 * 8), "Y-m-d H:i"),
            "Company 1",
            "late@example.com",
            "Company user",
            INVITATION_EXPIRED,
            expiry(60 * 24 * 8),
            "—",
        ],
    ]
    assert rows_of(body, "invitation-received-row") == [
        [
            shown(ago(30), "Y-m-d H:i"),
            "Company 1",
            user.email,
            "Company user",
            "Pending",
            expiry(30),
            system_admin.email,
        ],
        [
            shown(ago(40), "Y-m-d H:i"),
            "Company 2",
            "former@example.com",
            "Company user",
            "Accepted",
            expiry(40),
            system_admin.email,
        ],
    ]
    assert f'href="/admin/companies/company/{acme.pk}/change/"' in body
    assert f'href="/admin/accounts/user/{invitee.pk}/change/"' in body


def test_the_invitation_panels_are_bounded(admin_client, system_admin, user):  # noqa: F811
    teams = companies(INVITATION_PANEL_ROWS + 1)
    UserInvitation.objects.bulk_create(
        [invitation(company, user.email, system_admin, at=ago(i)) for i, company in enumerate(teams)]
    )

    panel = admin_client.get(change_url(user)).context["invitations_received_panel"]

    assert [row.invitation.company_id for row in panel.rows] == [
        company.pk for company in teams[:INVITATION_PANEL_ROWS]
    ]
    assert panel.truncated


# Two clicks from any log row to the user's story ---------------------------------------------


@pytest.mark.parametrize(
    ("url", "make"),
    [
        (
            "/admin/auditing/activitylog/",
            lambda user: ActivityLog.objects.create(action="x", entity_type="User", user=user),
        ),
        (
            "/admin/auditing/audituser/",
            lambda user: AuditUser.objects.create(user_id=user.pk, operation="update", changed_by=user),
        ),
    ],
)
def test_the_audit_lists_link_the_user_to_their_page(admin_client, user, url, make):  # noqa: F811
    make(user)

    body = admin_client.get(url).content.decode()

    assert f'<a href="/admin/accounts/user/{user.pk}/change/">{user.email}</a>' in body


def test_a_user_id_without_a_user_is_shown_unlinked(admin_client):  # noqa: F811
    ActivityLog.objects.create(action="x", entity_type="User", user_id=987654)

    body = admin_client.get("/admin/auditing/activitylog/").content.decode()

    assert '<td class="field-user_link">#987654</td>' in body
