"""Users in the back office: find, edit with an audit trail, unlock, suspend; no secret on screen."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts import admin_actions
from accounts.models import User
from auditing.models import ActivityLog, AuditRole, AuditUser
from companies.models import Company, UserCompany
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)
from logging_app.models import AuthEvent, AuthEventType
from reference.models import (
    Country,
    JoinedVia,
    UserCompanyRole,
    UserCompanyStatus,
    UserInvitationStatus,
    UserRole,
    UserStatus,
)
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/accounts/user/"


def change_url(user) -> str:
    return f"{LIST_URL}{user.pk}/change/"


def act(client, action, *users):
    response = client.post(LIST_URL, {"action": action, "_selected_action": [user.pk for user in users]}, follow=True)
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def locked_user(make_user):
    return make_user(
        "locked@example.com",
        is_locked=True,
        locked_until=timezone.now() + timedelta(minutes=30),
        locked_reason="Too many failed sign-in attempts.",
        failed_login_attempts=5,
    )


def listed(client, **query):
    return [user.email for user in client.get(LIST_URL, query).context["cl"].result_list]


def test_users_are_found_by_email_or_name(admin_client, make_user):  # noqa: F811
    make_user("mia@example.com", first_name="Mia", last_name="Nguyen")
    make_user("sam@example.com", first_name="Sam", last_name="Okafor")

    assert listed(admin_client, q="okafor") == ["sam@example.com"]
    assert listed(admin_client, q="mia@") == ["mia@example.com"]


def test_users_are_filtered_by_status_role_lock_and_verification(admin_client, make_user, locked_user):  # noqa: F811
    make_user("pending@example.com", email_verified_at=None, status_id=reference_id(UserStatus, UserStatus.PENDING))

    pending, admin_role = reference_id(UserStatus, UserStatus.PENDING), reference_id(UserRole, UserRole.SYSTEM_ADMIN)
    assert listed(admin_client, status__id__exact=pending) == ["pending@example.com"]
    assert listed(admin_client, user_role__id__exact=admin_role) == ["admin@example.com"]
    assert listed(admin_client, is_locked__exact="1") == ["locked@example.com"]
    assert listed(admin_client, verified="no") == ["pending@example.com"]


def test_no_password_hash_or_session_token_is_ever_shown(admin_client, make_user):  # noqa: F811
    user = make_user("mia@example.com", session_token="session-secret-value")

    pages = admin_client.get(LIST_URL).content.decode() + admin_client.get(change_url(user)).content.decode()

    assert user.password.split("$")[-1] not in pages and "argon2" not in pages
    assert "session-secret-value" not in pages
    form_fields = admin_client.get(change_url(user)).context["adminform"].form.fields
    assert not {"password", "session_token"} & set(form_fields)


def test_the_user_page_lists_memberships(admin_client, user):  # noqa: F811
    company = Company.objects.create(company_name="Acme Events", country=Country.objects.get(country_code="AU"))
    UserCompany.objects.create(
        user=user,
        company=company,
        role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_ADMIN),
        status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
        joined_via_id=reference_id(JoinedVia, JoinedVia.SIGNUP),
    )

    body = admin_client.get(change_url(user)).content.decode()

    assert "Memberships" in body and f'/admin/companies/company/{company.pk}/change/">Acme Events</a>' in body


def test_unlock_clears_the_lock_and_records_it(admin_client, system_admin, locked_user):  # noqa: F811
    messages = act(admin_client, "unlock", locked_user)

    locked_user.refresh_from_db()
    assert (
        locked_user.is_locked,
        locked_user.locked_until,
        locked_user.locked_reason,
        locked_user.failed_login_attempts,
    ) == (False, None, "", 0)
    assert messages == ["Unlocked 1 user."]
    assert AuthEvent.objects.filter(user=locked_user, event_type=AuthEventType.ACCOUNT_UNLOCKED).count() == 1
    snapshot = AuditUser.objects.get(user=locked_user)
    assert snapshot.changed_by == system_admin and "IsLocked" in snapshot.changed_fields


def test_an_unlocked_user_signs_in_again(admin_client, locked_user, login, password):  # noqa: F811
    act(admin_client, "unlock", locked_user)

    assert login("locked@example.com", password)["access"]


def test_sign_out_everywhere_revokes_every_token(admin_client, system_admin, user):  # noqa: F811
    versions = (user.access_token_version, user.refresh_token_version)

    assert act(admin_client, "sign_out_everywhere", user) == ["Signed out 1 user."]

    user.refresh_from_db()
    assert (user.access_token_version, user.refresh_token_version) == (versions[0] + 1, versions[1] + 1)
    assert AuthEvent.objects.filter(user=user, event_type=AuthEventType.LOGOUT_ALL).exists()
    assert ActivityLog.objects.get(action="user_signed_out_everywhere").user == system_admin


def test_resend_verification_goes_to_unverified_users_only(admin_client, make_user, django_capture_on_commit_callbacks):  # noqa: F811
    pending = make_user(
        "pending@example.com", email_verified_at=None, status_id=reference_id(UserStatus, UserStatus.PENDING)
    )
    verified = make_user("done@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        messages = act(admin_client, "resend_verification", pending, verified)

    assert messages == ["Sent a verification email to 1 user.", "1 left as they were: already verified."]
    assert [message.to for message in mail.outbox] == [["pending@example.com"]]


def test_suspend_revokes_tokens_and_reactivate_restores(admin_client, user):  # noqa: F811
    version = user.access_token_version

    assert act(admin_client, "suspend", user) == ["Suspended 1 user."]
    user.refresh_from_db()
    assert user.status.code == UserStatus.SUSPENDED and user.access_token_version == version + 1

    assert act(admin_client, "reactivate", user) == ["Reactivated 1 user."]
    user.refresh_from_db()
    assert user.status.code == UserStatus.ACTIVE
    changes = AuditUser.objects.filter(user=user).values_list("new_values", flat=True)
    statuses = [values["StatusID"] for values in changes]
    assert statuses == [reference_id(UserStatus, UserStatus.SUSPENDED), reference_id(UserStatus, UserStatus.ACTIVE)]


def test_suspending_an_account_cancels_the_invitations_it_sent_everywhere(admin_client, user):  # noqa: F811
    from companies.invitations import invitation_create
    from companies.services import company_create

    first = company_create(creator=user, company_name="Acme Events", country_code="AU")
    second = company_create(creator=user, company_name="Harbour Expos", country_code="AU")
    sent = [
        invitation_create(company=company, actor=user, email="invitee@example.com", role="company_admin")
        for company in (first, second)
    ]

    assert act(admin_client, "suspend", user) == ["Suspended 1 user."]

    for invitation in sent:
        invitation.refresh_from_db()
        assert invitation.status.code == UserInvitationStatus.CANCELLED
        assert invitation.cancellation_reason == admin_actions.REASON_INVITER_SUSPENDED
    cancelled = ActivityLog.objects.filter(action="invitation_cancelled").values_list("entity_id", flat=True)
    assert sorted(cancelled) == sorted(str(invitation.pk) for invitation in sent)


def test_an_admin_cannot_suspend_themselves(admin_client, system_admin):  # noqa: F811
    messages = act(admin_client, "suspend", system_admin)

    assert admin_actions.MESSAGE_OWN_STATUS in messages
    system_admin.refresh_from_db()
    assert system_admin.status.code == UserStatus.ACTIVE


def test_an_edit_is_snapshotted_and_a_role_change_recorded(admin_client, system_admin, user):  # noqa: F811
    page = admin_client.get(change_url(user))
    admin_role = reference_id(UserRole, UserRole.SYSTEM_ADMIN)

    response = admin_client.post(change_url(user), change_form_data(page, first_name="Maya", user_role=str(admin_role)))

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.user_role_id) == ("Maya", admin_role)
    snapshot = AuditUser.objects.get(user=user)
    assert snapshot.changed_fields == ["FirstName", "UpdatedBy", "UpdatedDate", "UserRoleID"]
    assert snapshot.changed_by == system_admin
    role = AuditRole.objects.get(user=user)
    assert (role.role_scope, role.company_id, role.new_role_id, role.changed_by) == (
        "system",
        None,
        admin_role,
        system_admin,
    )


def test_an_admin_cannot_take_away_their_own_admin_role(admin_client, system_admin):  # noqa: F811
    page = admin_client.get(change_url(system_admin))

    response = admin_client.post(
        change_url(system_admin), change_form_data(page, user_role=str(reference_id(UserRole, UserRole.COMPANY_USER)))
    )

    assert response.context["adminform"].form.errors["user_role"] == [admin_actions.MESSAGE_OWN_ROLE]


def test_users_are_not_added_or_deleted_here(admin_client, user):  # noqa: F811
    assert admin_client.get(f"{LIST_URL}add/").status_code == 403
    assert admin_client.post(f"{change_url(user)[:-7]}delete/", {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def test_an_edit_writes_only_the_edited_fields(system_admin, user):  # noqa: F811
    """A sign-in failure counted while the admin's form was open survives the save."""
    User.objects.filter(pk=user.pk).update(failed_login_attempts=3)
    user.first_name = "Maya"  # the form's copy still says 0 failures

    admin_actions.user_admin_update(user=user, actor=system_admin, fields=["first_name"])

    user.refresh_from_db()
    assert (user.first_name, user.failed_login_attempts) == ("Maya", 3)
    assert AuditUser.objects.get(user=user).changed_fields == ["FirstName", "UpdatedBy", "UpdatedDate"]
