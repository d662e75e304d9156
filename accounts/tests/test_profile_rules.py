"""Profile edits: who is recorded as making them, and that only the edited columns are written."""

import pytest

from accounts.models import User
from accounts.services import user_profile_update
from auditing.models import ActivityLog, AuditUser

pytestmark = pytest.mark.django_db


def test_a_profile_edit_is_recorded_as_the_users_own(auth_client, user):
    response = auth_client.patch("/api/v1/users/me", {"firstName": "Maya"}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.updated_by_id == user.pk
    change = AuditUser.objects.filter(user_id=user.pk).latest("pk")
    assert (change.operation, change.changed_by_id) == ("update", user.pk)
    assert change.changed_fields == ["FirstName", "UpdatedBy", "UpdatedDate"]
    assert (change.old_values["FirstName"], change.new_values["FirstName"]) == ("Mia", "Maya")
    assert (change.old_values["UpdatedBy"], change.new_values["UpdatedBy"]) == (None, user.pk)
    action = ActivityLog.objects.latest("pk")
    assert (action.action, action.entity_type, action.entity_id, action.user_id) == (
        "profile_updated",
        "User",
        str(user.pk),
        user.pk,
    )


def test_a_profile_edit_keeps_a_failure_counted_since_the_user_was_read(user):
    """The request read the user before a concurrent failed sign-in was counted."""
    read_earlier = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(failed_login_attempts=3)

    user_profile_update(user=read_earlier, role_title="Producer")

    stored = User.objects.get(pk=user.pk)
    assert (stored.role_title, stored.failed_login_attempts) == ("Producer", 3)


def test_a_field_that_is_not_part_of_the_profile_is_refused_and_nothing_is_saved(user):
    with pytest.raises(ValueError, match="^email is not a profile field$"):
        user_profile_update(user=User.objects.get(pk=user.pk), first_name="Maya", email="evil@example.com")

    stored = User.objects.get(pk=user.pk)
    assert (stored.first_name, stored.email) == ("Mia", "member@example.com")
    assert not ActivityLog.objects.filter(action="profile_updated").exists()
