"""Audit rows as changes, field by field: old → new for what changed, nothing for what did not."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from auditing.diff import (
    EMPTY,
    NULL,
    SOURCE_ACTIVITY,
    SOURCE_SNAPSHOT,
    FieldChange,
    activity_entry,
    field_changes,
    model_named,
    snapshot_entry,
    trail,
)
from auditing.models import ActivityLog, AuditCompany, AuditUser
from companies.models import Company, UserInvitation
from eventlead.core.redaction import REDACTED

MOMENT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_an_update_shows_old_and_new_of_each_changed_field_only():
    old = {"FirstName": "Mia", "LastName": "Nguyen", "Phone": ""}
    new = {"FirstName": "Maya", "LastName": "Nguyen", "Phone": "0412 345 678"}

    assert field_changes(old, new, model=User) == [
        FieldChange("First name", "Mia", "Maya"),
        FieldChange("Phone", EMPTY, "0412 345 678"),
    ]


def test_fields_come_in_the_models_order_then_unknown_keys_by_name():
    old = {"zeta": 1, "LastName": "A", "FirstName": "B", "alpha": 1}
    new = {"zeta": 2, "LastName": "C", "FirstName": "D", "alpha": 2}

    assert [change.label for change in field_changes(old, new, model=User)] == [
        "First name",
        "Last name",
        "alpha",
        "zeta",
    ]


def test_an_insert_shows_the_fields_given_a_value_and_no_old_values():
    new = {"FirstName": "Mia", "Phone": "", "LockedUntil": None, "IsLocked": False, "FailedLoginAttempts": 0}

    assert field_changes(None, new, model=User) == [
        FieldChange("First name", None, "Mia"),
        FieldChange("Failed login attempts", None, "0"),
        FieldChange("Is locked", None, "No"),
    ]


def test_values_read_as_values_not_json():
    old = {"IsLocked": False, "LockedUntil": None, "StatusID": 1}
    new = {"IsLocked": True, "LockedUntil": "2025-03-04T05:06:07+00:00", "StatusID": 3}
    local = timezone.localtime(MOMENT).strftime("%Y-%m-%d %H:%M:%S %Z")

    user_changes = field_changes(old, new, model=User)
    company_changes = field_changes({"BusinessNames": []}, {"BusinessNames": ["Harbourside Expos"]}, model=Company)

    assert user_changes == [
        FieldChange("Status", "#1", "#3"),
        FieldChange("Is locked", "No", "Yes"),
        FieldChange("Locked until", NULL, local),
    ]
    assert company_changes == [FieldChange("Business names", EMPTY, '["Harbourside Expos"]')]


def test_a_reference_named_by_its_code_reads_as_the_code():
    # Services write an invitation's role by its code; a snapshot writes a row's id.
    changes = field_changes(None, {"role": "company_user", "status": 2}, model=UserInvitation)

    assert changes == [FieldChange("Role", None, "company_user"), FieldChange("Status", None, "#2")]


def test_the_bookkeeping_columns_are_left_to_the_entrys_time_and_actor():
    old = {"FirstName": "Mia", "UpdatedDate": "2025-01-01T00:00:00+00:00", "UpdatedBy": 1}
    new = {"FirstName": "Maya", "UpdatedDate": "2025-02-01T00:00:00+00:00", "UpdatedBy": 2}

    assert [change.label for change in field_changes(old, new, model=User)] == ["First name"]


def test_a_secret_in_an_old_row_stays_redacted():
    old = {"PasswordHash": "argon2$old", "SessionToken": "key-1", "FirstName": "Mia"}
    new = {"PasswordHash": "argon2$new", "SessionToken": "key-2", "FirstName": "Mia"}

    assert field_changes(old, new, model=User) == [
        FieldChange("Password", REDACTED, REDACTED),
        FieldChange("Session token", REDACTED, REDACTED),
    ]
    assert field_changes(None, {"TokenHash": "f" * 64}, model=UserInvitation) == [
        FieldChange("Token hash", None, REDACTED)
    ]


def test_a_key_on_one_side_only_is_a_change_from_or_to_an_unrecorded_value():
    assert field_changes({"FirstName": "Mia"}, {"LastName": "Lee"}, model=User) == [
        FieldChange("First name", "Mia", None),
        FieldChange("Last name", None, "Lee"),
    ]


def test_keys_are_columns_or_field_names_and_any_model_will_do():
    assert field_changes(None, {"require_mfa": True}, model=Company) == [
        FieldChange("Require mfa", None, "Yes"),
    ]
    assert field_changes({"scope": "all"}, {"scope": "expired"}, model=None) == [FieldChange("scope", "all", "expired")]


def test_nothing_recorded_is_no_change():
    assert field_changes(None, None, model=User) == []
    assert field_changes({}, {}, model=User) == []


def test_an_activity_is_labelled_by_the_model_it_names():
    assert model_named("UserInvitation") is UserInvitation
    assert model_named("ABRSearch").__name__ == "ABRSearch"
    assert model_named("NoSuchThing") is None


# Entries and trails (rows built in memory: nothing here reads the database) ------------------


def snapshot(pk, at, old, new, operation="update"):
    return AuditUser(
        id=pk, user_id=7, operation=operation, old_values=old, new_values=new, changed_date=at, changed_by_id=None
    )


def activity(pk, at, action="account_locked", **fields):
    return ActivityLog(id=pk, action=action, entity_type="User", entity_id="7", created_date=at, **fields)


def test_a_snapshot_entry_carries_its_operation_and_changes():
    entry = snapshot_entry(snapshot(1, MOMENT, {"FirstName": "Mia"}, {"FirstName": "Maya"}), model=User)

    assert (entry.source, entry.row_model, entry.row_id, entry.what, entry.at) == (
        SOURCE_SNAPSHOT,
        AuditUser,
        1,
        "Update",
        MOMENT,
    )
    assert entry.changes == [FieldChange("First name", "Mia", "Maya")]
    assert entry.actor is None and entry.actor_id is None


def test_an_activity_entry_carries_its_action_entity_and_description():
    row = activity(5, MOMENT, action="mfa_reset", description="Lost phone", new_values={"mfa_enabled_at": None})

    entry = activity_entry(row)

    assert (entry.source, entry.row_model, entry.what, entry.entity, entry.description) == (
        SOURCE_ACTIVITY,
        ActivityLog,
        "mfa_reset",
        "User 7",
        "Lost phone",
    )
    assert entry.changes == []  # an insert-like "new values only" row leaves empty values out


def test_a_trail_merges_both_sources_newest_first_up_to_the_limit():
    older, newer, newest = MOMENT, MOMENT + timedelta(minutes=1), MOMENT + timedelta(minutes=2)
    snapshots = [snapshot(2, newest, {"Phone": ""}, {"Phone": "1"}), snapshot(1, older, None, {"FirstName": "Mia"})]
    activities = [activity(9, newer)]

    full = trail(snapshots=snapshots, activities=activities, model=User, limit=3)
    cut = trail(snapshots=snapshots, activities=activities, model=User, limit=2)

    assert [(entry.source, entry.row_id) for entry in full.entries] == [
        (SOURCE_SNAPSHOT, 2),
        (SOURCE_ACTIVITY, 9),
        (SOURCE_SNAPSHOT, 1),
    ]
    assert not full.truncated
    assert [(entry.source, entry.row_id) for entry in cut.entries] == [(SOURCE_SNAPSHOT, 2), (SOURCE_ACTIVITY, 9)]
    assert cut.truncated


def test_a_company_snapshot_is_labelled_by_the_company_model():
    row = AuditCompany(
        id=1, company_id=3, operation="update", old_values={"ABN": None}, new_values={"ABN": "51824753556"}
    )
    row.changed_date = MOMENT

    assert snapshot_entry(row, model=Company).changes == [FieldChange("Abn", NULL, "51824753556")]


@pytest.mark.parametrize("value", ["", [], {}, None])
def test_an_insert_leaves_out_every_kind_of_empty(value):
    assert field_changes(None, {"RoleTitle": value}, model=User) == []
