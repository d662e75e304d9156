"""Writes to the ``audit`` schema, always inside the caller's transaction.

A rolled-back change leaves no audit row; a committed one always has its row.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

from django.db import models

from eventlead.core import context

from .models import ActivityLog, AuditCompany, AuditRole, AuditUser, Operation, RoleScope

if TYPE_CHECKING:
    from accounts.models import User

# Never copied into a snapshot: hashes of passwords and tokens, and session identifiers.
SECRET_FIELDS = frozenset({"password", "token_hash", "session_token", "session_key"})


def _plain(value: object) -> object:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


def _object_name(instance: models.Model) -> str:
    # Options.object_name is None only until the model class is built; a model instance has it.
    return cast(str, instance._meta.object_name)


def snapshot(instance: models.Model) -> dict[str, object]:
    """The row as ``{column: value}``, secrets left out."""
    return {
        field.column: _plain(field.value_from_object(instance))
        for field in instance._meta.concrete_fields
        if field.name not in SECRET_FIELDS
    }


def _diff(
    old: Mapping[str, object] | None, new: dict[str, object]
) -> tuple[list[str], dict[str, object] | None, dict[str, object]]:
    if old is None:
        return sorted(new), None, new
    changed = sorted(key for key in new if old.get(key) != new.get(key))
    return changed, {k: old.get(k) for k in changed}, {k: new[k] for k in changed}


def _actor_id(actor: User | None) -> int | None:
    actor_id: int | None = getattr(actor, "pk", None)
    return actor_id


def entity_snapshot_record(
    *, instance: models.Model, old: Mapping[str, object] | None, actor: User | None = None, operation: str | None = None
) -> AuditUser | AuditCompany | None:
    """Write ``audit.User`` or ``audit.Company`` for a create, update or soft delete."""
    new = snapshot(instance)
    changed, old_values, new_values = _diff(old, new)
    if old is not None and not changed:
        return None
    if operation is None:
        operation = Operation.INSERT if old is None else Operation.UPDATE
        if old is not None and new.get("IsDeleted") and not old.get("IsDeleted"):
            operation = Operation.SOFT_DELETE
    targets: dict[str, tuple[type[AuditUser] | type[AuditCompany], str]] = {
        "User": (AuditUser, "user_id"),
        "Company": (AuditCompany, "company_id"),
    }
    model, key = targets[_object_name(instance)]
    return model.objects.create(
        **{key: instance.pk},
        operation=operation,
        changed_fields=changed,
        old_values=old_values,
        new_values=new_values,
        changed_by_id=_actor_id(actor),
        request_id=context.current().request_id,
    )


def activity_record(
    *,
    action: str,
    entity: models.Model | str,
    actor: User | None = None,
    company_id: int | None = None,
    description: str = "",
    old_values: Mapping[str, object] | None = None,
    new_values: Mapping[str, object] | None = None,
) -> ActivityLog:
    """Write one business action to ``audit.ActivityLog``."""
    ctx = context.current()
    return ActivityLog.objects.create(
        user_id=_actor_id(actor),
        company_id=company_id,
        action=action,
        entity_type=entity if isinstance(entity, str) else _object_name(entity),
        entity_id=str(getattr(entity, "pk", "") or ""),
        description=description[:500],
        old_values={k: v for k, v in (old_values or {}).items() if k not in SECRET_FIELDS} or None,
        new_values={k: v for k, v in (new_values or {}).items() if k not in SECRET_FIELDS} or None,
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
    )


def role_change_record(
    *,
    user_id: int,
    company_id: int | None,
    old_role_id: int | None,
    new_role_id: int | None,
    actor: User | None = None,
    reason: str = "",
) -> AuditRole:
    """Write ``audit.Role``: a system role when ``company_id`` is None, else a company role."""
    return AuditRole.objects.create(
        user_id=user_id,
        company_id=company_id,
        role_scope=RoleScope.SYSTEM if company_id is None else RoleScope.COMPANY,
        old_role_id=old_role_id,
        new_role_id=new_role_id,
        changed_by_id=_actor_id(actor),
        reason=reason[:500],
        request_id=context.current().request_id,
    )
