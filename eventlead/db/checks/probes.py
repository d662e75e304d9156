"""Prove that the database enforces each foreign key and unique constraint; keep nothing.

Each probe first inserts valid rows (so the database is shown to accept what it should),
then the one row that breaks the rule, and expects ``IntegrityError`` naming that rule. Every
insert happens in a savepoint that is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError, IntegrityError, connections, models, transaction

from .. import naming
from .declared import UniqueRule, concrete_field, constraint_fields
from .live import check_deferred_constraints
from .report import FAIL, OK, Result
from .rows import RowFactory, UnbuildableRow

FOREIGN_KEYS = "foreign key enforced"
UNIQUES = "unique enforced"


@contextmanager
def rolled_back(using: str) -> Iterator[None]:
    """Run the block in a savepoint that is rolled back however the block ends."""
    with transaction.atomic(using=using):
        try:
            yield
        finally:
            transaction.set_rollback(True, using=using)


def _insert(factory: RowFactory, row: models.Model, *, keep: bool) -> IntegrityError | None:
    """Insert ``row`` (kept, or rolled back at once); return the database's refusal, if any."""
    using = factory.using
    try:
        with transaction.atomic(using=using):
            factory.insert(row)
            check_deferred_constraints(connections[using], row._meta.db_table)
            if not keep:
                transaction.set_rollback(True, using=using)
    except IntegrityError as error:
        return error
    return None


def _first_line(error: Exception, limit: int = 110) -> str:
    line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _names_rule(error: Exception, name: str, columns: Iterable[str]) -> bool:
    """Whether the refusal is about this rule: PostgreSQL and SQL Server name the constraint,
    SQLite names the columns."""
    message = str(error)
    return name in message or all(column in message for column in columns)


def probe_foreign_keys(factory: RowFactory, model: type[models.Model]) -> list[Result]:
    """For each enforced foreign key of ``model``, insert a row pointing nowhere and expect
    the database to refuse it; a valid row is inserted first, to show the rest is sound."""
    fields = constraint_fields(model)
    if not fields:
        return []
    refusal: Exception | None
    try:
        with rolled_back(factory.using):
            refusal = _insert(factory, factory.build(model), keep=False)
    except (UnbuildableRow, DatabaseError) as error:
        refusal = error
    if refusal:
        detail = f"no valid row to start from: {_first_line(refusal)}"
        return [Result(FOREIGN_KEYS, f"{model._meta.db_table}.{field.column}", FAIL, detail) for field in fields]
    return [probe_foreign_key(factory, model, field) for field in fields]


def probe_foreign_key(factory: RowFactory, model: type[models.Model], field: models.ForeignKey[Any, Any]) -> Result:
    """Insert a row whose ``field`` points nowhere and expect the database to refuse it."""
    name = naming.foreign_key_name(model, field)
    target = f"{model._meta.db_table}.{field.column}"
    try:
        with rolled_back(factory.using):
            missing = factory.missing_key(field)
            refusal = _insert(factory, factory.build(model, **{field.attname: missing}), keep=False)
    except (UnbuildableRow, DatabaseError) as error:
        return Result(FOREIGN_KEYS, target, FAIL, f"could not probe: {_first_line(error)}")
    if refusal is None:
        return Result(FOREIGN_KEYS, target, FAIL, f"{name}: a row with {field.column}={missing!r} was accepted")
    if not _names_rule(refusal, name, [field.column]):
        return Result(FOREIGN_KEYS, target, FAIL, f"{name}: refused for another reason: {_first_line(refusal)}")
    return Result(FOREIGN_KEYS, target, OK, f"{name}: {field.column}={missing!r} refused")


def probe_unique(factory: RowFactory, model: type[models.Model], rule: UniqueRule) -> Result:
    """Insert a row, then one repeating its ``rule`` columns, and expect the second refused.

    A conditional (partial) constraint is probed with rows inside its condition, and then
    with a repeat outside it, which must be accepted.
    """
    target = f"{model._meta.db_table} ({', '.join(field.column for field in rule.fields)})"
    columns = [field.column for field in rule.fields]
    using = factory.using

    def row(*, like: models.Model | None = None, inside: bool = True) -> models.Model:
        new = factory.build(model)
        for field in rule.fields:
            if like is not None:
                setattr(new, field.attname, getattr(like, field.attname))
            elif getattr(new, field.attname) is None:  # NULLs never collide
                setattr(new, field.attname, factory.value(model, field, unique=True))
        if rule.condition is not None:
            _shape(factory, new, rule.condition, inside=inside)
        return new

    try:
        with rolled_back(using):
            first = row()
            refusal = _insert(factory, first, keep=True)
            if refusal:
                return Result(UNIQUES, target, FAIL, f"{rule.name}: a valid row was refused: {_first_line(refusal)}")
            refusal = _insert(factory, row(), keep=False)
            if refusal:
                detail = f"{rule.name}: a second valid row was refused: {_first_line(refusal)}"
                return Result(UNIQUES, target, FAIL, detail)
            duplicate = _insert(factory, row(like=first), keep=False)
            outside = None
            if duplicate and rule.condition is not None:
                outside = _insert(factory, row(like=first, inside=False), keep=False)
    except (UnbuildableRow, DatabaseError) as error:
        return Result(UNIQUES, target, FAIL, f"{rule.name}: could not probe: {_first_line(error)}")
    if duplicate is None:
        return Result(UNIQUES, target, FAIL, f"{rule.name}: a duplicate was accepted")
    if not _names_rule(duplicate, rule.name, columns):
        return Result(UNIQUES, target, FAIL, f"{rule.name}: refused for another reason: {_first_line(duplicate)}")
    if rule.condition is None:
        return Result(UNIQUES, target, OK, f"{rule.name}: duplicate refused")
    if outside is not None:
        return Result(UNIQUES, target, FAIL, f"{rule.name}: a duplicate outside the condition was refused")
    return Result(UNIQUES, target, OK, f"{rule.name}: duplicate refused, outside the condition accepted")


def _shape(factory: RowFactory, row: models.Model, condition: models.Q, *, inside: bool) -> None:
    """Set ``row``'s fields so that ``condition`` holds (``inside``) or fails.

    Understands what partial unique constraints use: lookups ``isnull``, ``exact`` and ``in``
    joined by AND. To fail the condition one ``isnull`` lookup is turned around.
    """
    if condition.connector != models.Q.AND or condition.negated:
        raise UnbuildableRow(f"condition {condition} is not a plain AND of lookups")
    lookups = []
    for child in condition.children:
        if not isinstance(child, tuple):
            raise UnbuildableRow(f"condition {condition} nests Q objects")
        path, value = child
        name, _, lookup = path.partition("__")
        lookups.append((concrete_field(row._meta.model, name), lookup or "exact", value))
    flip = None
    if not inside:
        flip = next((index for index, (field, lookup, _) in enumerate(lookups) if lookup == "isnull"), None)
        if flip is None:
            raise UnbuildableRow(f"condition {condition} has no isnull lookup to turn around")
    for index, (field, lookup, value) in enumerate(lookups):
        if lookup == "isnull":
            wants_null = bool(value) != (index == flip)
            if wants_null:
                setattr(row, field.attname, None)
            elif getattr(row, field.attname) is None:
                setattr(row, field.attname, factory.value(row._meta.model, field))
        elif lookup == "exact":
            setattr(row, field.attname, value)
        elif lookup == "in":
            setattr(row, field.attname, next(iter(value)))
        else:
            raise UnbuildableRow(f"condition {condition}: lookup {lookup!r} is not understood")
