"""Audit rows as field-by-field changes (old → new), for the back office's user and company pages.

A snapshot (``audit.User``, ``audit.Company``) stores only what changed: the changed columns'
old and new values, or the whole new row for an insert (``auditing.services.entity_snapshot_record``).
So each snapshot is its own diff and no earlier snapshot is read to compare it with. An
activity row (``audit.ActivityLog``) may carry old values, new values, both or neither.

Nothing here queries the database: the pages read their rows (with the actor joined) and pass
them in. Values of ``auditing.services.SECRET_FIELDS`` are never copied into audit rows; should
an old row hold one, it is shown redacted all the same.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import models
from django.utils import timezone

from eventlead.core.redaction import REDACTED

from .services import SECRET_FIELDS

if TYPE_CHECKING:
    from accounts.models import User

    from .models import ActivityLog, EntitySnapshot

NULL = "—"
EMPTY = "(empty)"
# Repeated on every change: the entry's own time and actor already say when and by whom.
BOOKKEEPING_FIELDS = frozenset({"updated_date", "updated_by"})


@dataclass(frozen=True)
class FieldChange:
    """One changed field: ``old`` is None where the row recorded no old value (an insert)."""

    label: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class TrailEntry:
    """One line of an audit trail: a snapshot of the entity or a business action."""

    at: datetime.datetime
    source: str  # SOURCE_SNAPSHOT or SOURCE_ACTIVITY
    row_model: type[models.Model]  # AuditUser, AuditCompany or ActivityLog
    row_id: int
    what: str  # the snapshot's operation ("update") or the action ("account_locked")
    entity: str  # what the action was about ("UserInvitation 12"); "" for a snapshot
    description: str
    actor: User | None
    actor_id: int | None
    changes: list[FieldChange]


@dataclass(frozen=True)
class Trail:
    entries: list[TrailEntry]
    truncated: bool  # rows were left out: the newest ``limit`` are shown


SOURCE_SNAPSHOT, SOURCE_ACTIVITY = "snapshot", "activity"


@dataclass(frozen=True)
class _Field:
    label: str
    kind: str  # "datetime", "boolean", "reference" or "" (shown as stored)
    position: int
    secret: bool
    hidden: bool


@cache
def _fields_of(model: type[models.Model]) -> dict[str, _Field]:
    """``model``'s concrete fields by column ("FirstName") and by name ("first_name")."""
    fields: dict[str, _Field] = {}
    for position, field in enumerate(model._meta.concrete_fields):
        if isinstance(field, models.DateTimeField):
            kind = "datetime"
        elif isinstance(field, models.BooleanField):
            kind = "boolean"
        elif field.is_relation:
            kind = "reference"
        else:
            kind = ""
        label = str(field.verbose_name)
        described = _Field(
            label=label[:1].upper() + label[1:],
            kind=kind,
            position=position,
            secret=field.name in SECRET_FIELDS,
            hidden=field.name in BOOKKEEPING_FIELDS,
        )
        fields[field.column] = fields[field.name] = described
    return fields


@cache
def model_named(entity_type: str) -> type[models.Model] | None:
    """The model an ``ActivityLog.EntityType`` names ("UserInvitation"), if it is one of ours."""
    for model in apps.get_models():
        if model._meta.object_name == entity_type:
            return model
    return None


def _empty(value: object) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _shown(value: object, kind: str) -> str:
    """``value`` as stored in a snapshot (JSON), as the page shows it."""
    if _empty(value):
        return NULL if value is None else EMPTY
    if kind == "datetime" and isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S %Z").rstrip()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "reference" and isinstance(value, int):
        return f"#{value}"  # a row's id; a service may name the row by its code instead
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def field_changes(
    old: Mapping[str, object] | None, new: Mapping[str, object] | None, *, model: type[models.Model] | None
) -> list[FieldChange]:
    """The fields whose value differs between ``old`` and ``new``, in the model's field order.

    Keys are columns ("FirstName", as snapshots store them) or field names ("first_name", as
    some actions do); a key the model does not have is shown as it is, after the model's fields.
    Without ``old`` (an insert) every field given a value is a change, and its empty fields
    are left out. A key present on one side only is a change from or to an unrecorded value.
    """
    old, new = old or None, new or None
    described = _fields_of(model) if model is not None else {}
    keys = dict.fromkeys([*(old or {}), *(new or {})])
    unknown = len(described) + 1

    def order(key: str) -> tuple[int, str]:
        field = described.get(key)
        return (field.position if field else unknown, key)

    changes = []
    for key in sorted(keys, key=order):
        field = described.get(key)
        if field is not None and field.hidden:
            continue
        in_old, in_new = old is not None and key in old, new is not None and key in new
        before = old.get(key) if old is not None else None
        after = new.get(key) if new is not None else None
        if in_old and in_new and before == after:
            continue
        if old is None and _empty(after):
            continue
        kind = field.kind if field else ""
        label = field.label if field else key
        if field is not None and field.secret:
            changes.append(FieldChange(label, REDACTED if in_old else None, REDACTED if in_new else None))
            continue
        changes.append(
            FieldChange(label, _shown(before, kind) if in_old else None, _shown(after, kind) if in_new else None)
        )
    return changes


def snapshot_entry(snapshot: EntitySnapshot, *, model: type[models.Model]) -> TrailEntry:
    """A snapshot of ``model`` (``AuditUser`` of a user, ``AuditCompany`` of a company) as a trail line."""
    return TrailEntry(
        at=snapshot.changed_date,
        source=SOURCE_SNAPSHOT,
        row_model=type(snapshot),
        row_id=snapshot.pk,
        what=snapshot.get_operation_display(),
        entity="",
        description="",
        actor=snapshot.changed_by,
        actor_id=snapshot.changed_by_id,
        changes=field_changes(snapshot.old_values, snapshot.new_values, model=model),
    )


def activity_entry(activity: ActivityLog) -> TrailEntry:
    """A business action as a trail line; its values are labelled by the model it names."""
    return TrailEntry(
        at=activity.created_date,
        source=SOURCE_ACTIVITY,
        row_model=type(activity),
        row_id=activity.pk,
        what=activity.action,
        entity=f"{activity.entity_type} {activity.entity_id}".strip(),
        description=activity.description,
        actor=activity.user,
        actor_id=activity.user_id,
        changes=field_changes(activity.old_values, activity.new_values, model=model_named(activity.entity_type)),
    )


def trail(
    *,
    snapshots: Iterable[EntitySnapshot],
    activities: Iterable[ActivityLog],
    model: type[models.Model],
    limit: int,
) -> Trail:
    """The newest ``limit`` of the snapshots and actions, newest first.

    Each source is read newest first with one row past ``limit`` (so that the page knows
    whether rows were left out), and merged here.
    """
    entries = [snapshot_entry(row, model=model) for row in snapshots]
    entries += [activity_entry(row) for row in activities]
    entries.sort(key=lambda entry: (entry.at, entry.source, entry.row_id), reverse=True)
    return Trail(entries=entries[:limit], truncated=len(entries) > limit)
