"""The naming standard of ``tables.md`` as checks: every breach the models or database show.

The design document's success criteria end with "no Solomon violations"; these are the
violations it means, written down: PascalCase names, the six schemas, ``<TableName>ID`` keys,
foreign key columns named after the key they reference, explicit constraint names with the
PK_/FK_/UQ_/IX_/CK_ prefixes (and, in a SQL Server database, DEFAULT constraints named
DF_<Table>_<Column>), and the audit columns every table of a kind carries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import AutoFieldMixin

from ..catalogue import CATALOGUE, REFERENCE_COLUMNS, SOFT_DELETE_COLUMNS, TRACKED_COLUMNS, Catalogue
from ..naming import SCHEMAS, constraint_stem, split_table
from .declared import PREFIXES, declared_constraints, relation_fields, unique_rules
from .live import SYNTHETIC_NAME, column_names, constraints, live_tables, names_inline_constraints

PASCAL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
# PostgreSQL cuts identifiers at 63 bytes (NAMEDATALEN - 1); SQL Server allows 128.
MAX_NAME_LENGTH = 63
# Columns referencing dbo.User that the document names by role rather than by key.
USER_REFERENCE_COLUMNS = {"CreatedBy", "UpdatedBy", "DeletedBy", "InvitedBy", "CancelledBy", "RemovedBy", "ChangedBy"}
# Foreign key columns the document names itself; the rest are named after the key they hold.
DOCUMENT_NAMED_COLUMNS = USER_REFERENCE_COLUMNS | {"StatusID", "ParentCompanyID"}

SCHEMA, TABLE_NAME, COLUMN_NAME, PRIMARY_KEY_RULE = "schema", "table name", "column name", "primary key"
FOREIGN_KEY_COLUMN, CONSTRAINT_NAME, FIELD_UNIQUE = "foreign key column", "constraint name", "field-level unique"
REQUIRED_COLUMN, USER_REFERENCE, REFERENCE_CODE = "required column", "user reference", "reference code"


@dataclass(frozen=True, order=True)
class Violation:
    target: str
    rule: str
    detail: str


class Breach(Protocol):
    """Records one violation of the model being audited; ``target`` defaults to its table."""

    def __call__(self, rule: str, detail: str, target: str = ...) -> None: ...


def audit_models(model_list: Sequence[type[models.Model]], catalogue: Catalogue = CATALOGUE) -> list[Violation]:
    """Every breach of the naming standard in ``model_list`` (our models, not Django's)."""
    dbo_tables = {table.name for table in catalogue.tables if table.schema == "dbo"}
    dbo_tables |= {split_table(m._meta.db_table)[1] for m in model_list if split_table(m._meta.db_table)[0] == "dbo"}
    violations: list[Violation] = []
    owners: defaultdict[str, list[str]] = defaultdict(list)
    for model in model_list:
        violations += _audit_model(model, catalogue, dbo_tables)
        for item in declared_constraints(model):
            owners[item.name].append(model._meta.db_table)
    for name, tables in owners.items():
        if len(tables) > 1:
            violations.append(Violation(name, CONSTRAINT_NAME, f"used more than once: {', '.join(sorted(tables))}"))
    return sorted(violations)


def _audit_model(model: type[models.Model], catalogue: Catalogue, dbo_tables: set[str]) -> list[Violation]:
    db_table = model._meta.db_table
    schema, name = split_table(db_table)
    found: list[Violation] = []

    def breach(rule: str, detail: str, target: str = db_table) -> None:
        found.append(Violation(target, rule, detail))

    if schema is None:
        breach(SCHEMA, f'not in one of the schemas {", ".join(SCHEMAS)} (db_table = "schema.Table")')
    if not PASCAL_CASE.match(name):
        breach(TABLE_NAME, f"{name!r} is not PascalCase")
    fields = model._meta.concrete_fields
    for field in fields:
        if not PASCAL_CASE.match(field.column):
            breach(COLUMN_NAME, f"{field.column!r} is not PascalCase (set db_column)", f"{db_table}.{field.column}")
    _primary_key(model, schema, name, catalogue, dbo_tables, breach)
    _foreign_key_columns(model, breach)
    _constraint_names(model, breach)
    _required_columns(model, schema, catalogue, breach)
    return found


def _primary_key(
    model: type[models.Model],
    schema: str | None,
    name: str,
    catalogue: Catalogue,
    dbo_tables: set[str],
    breach: Breach,
) -> None:
    keys = tuple(field.column for field in model._meta.pk_fields)
    catalogued = catalogue.table(model._meta.db_table)
    if catalogued is not None:
        allowed = {catalogued.primary_key}
    elif schema == "audit":
        # Audit tables named like a dbo table key on Audit<Name>ID, so the two never mix.
        allowed = {(f"Audit{name}ID",)} if name in dbo_tables else {(f"{name}ID",), (f"Audit{name}ID",)}
    else:
        allowed = {(f"{name}ID",)}
    if keys not in allowed:
        wanted = " or ".join(", ".join(key) for key in sorted(allowed))
        breach(PRIMARY_KEY_RULE, f"key {', '.join(keys)}; the standard wants {wanted}")
    if len(keys) == 1:
        key = model._meta.pk
        if not isinstance(key, AutoFieldMixin):
            breach(PRIMARY_KEY_RULE, f"{key.column} is not an integer identity")
        elif schema == "log" and not isinstance(key, models.BigAutoField):
            breach(PRIMARY_KEY_RULE, f"{key.column}: log tables use bigint identity keys (BigAutoField)")


def _foreign_key_columns(model: type[models.Model], breach: Breach) -> None:
    for field in relation_fields(model):
        column, key = field.column, field.target_field.column
        target = f"{model._meta.db_table}.{column}"
        if column in DOCUMENT_NAMED_COLUMNS:
            continue
        if not column.endswith("ID"):
            breach(FOREIGN_KEY_COLUMN, f"{column} does not end in ID", target)
        elif not column.endswith(key):
            breach(FOREIGN_KEY_COLUMN, f"{column} does not name the key it references ({key})", target)


def _constraint_names(model: type[models.Model], breach: Breach) -> None:
    table = model._meta.db_table
    stem = constraint_stem(table)
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key and not field.one_to_one:
            detail = f"{field.column}: unique=True; declare a named UniqueConstraint"
            breach(FIELD_UNIQUE, detail, f"{table}.{field.column}")
    if model._meta.unique_together:
        breach(CONSTRAINT_NAME, "unique_together has no name; declare a named UniqueConstraint")
    for item in declared_constraints(model):
        name = item.name
        prefix = PREFIXES.get(item.kind)
        if prefix and not name.startswith(prefix):
            breach(CONSTRAINT_NAME, f"{name!r}: a {item.kind} name starts with {prefix}", name or table)
        elif not prefix and not name.startswith(tuple(PREFIXES.values())):
            breach(CONSTRAINT_NAME, f"{name!r}: names start with PK_, FK_, UQ_, IX_ or CK_", name or table)
        elif name[3:] != stem and not name[3:].startswith(f"{stem}_"):
            breach(CONSTRAINT_NAME, f"{name!r} does not name its table ({name[:3]}{stem}_...)", name)
        if len(name) > MAX_NAME_LENGTH:
            breach(CONSTRAINT_NAME, f"{len(name)} characters, over {MAX_NAME_LENGTH}", name)


def _required_columns(model: type[models.Model], schema: str | None, catalogue: Catalogue, breach: Breach) -> None:
    table = model._meta.db_table
    by_column = {field.column: field for field in model._meta.concrete_fields}
    required: tuple[str, ...] = ()
    if schema == "dbo":
        catalogued = catalogue.table(table)
        required = TRACKED_COLUMNS + (SOFT_DELETE_COLUMNS if catalogued and catalogued.soft_deletes else ())
    elif schema == "ref":
        required = REFERENCE_COLUMNS
        code = by_column.get("Code")
        if code and not any(rule.fields == (code,) and rule.condition is None for rule in unique_rules(model)):
            breach(REFERENCE_CODE, "Code is not unique on its own")
    for column in required:
        if column not in by_column:
            breach(REQUIRED_COLUMN, f"{column} missing ({schema} tables carry {', '.join(required)})")
    for column in ("CreatedBy", "UpdatedBy", "DeletedBy"):
        field = by_column.get(column)
        if field is None:
            continue
        if not (
            isinstance(field, models.ForeignKey)
            and field.remote_field.model._meta.label == settings.AUTH_USER_MODEL
            and field.null
        ):
            breach(USER_REFERENCE, f"{column} must be a nullable reference to dbo.User", f"{table}.{column}")


# The live database ----------------------------------------------------------------------


@dataclass
class LiveAudit:
    violations: list[Violation]
    tables: int
    names: int | None  # None: the engine does not name every constraint, so none were judged
    framework: set[str]


def audit_database(connection: BaseDatabaseWrapper) -> LiveAudit:
    """Judge the names in the live database: tables, columns, constraints and indexes."""
    tables = live_tables(connection)
    violations = [Violation(name, SCHEMA, "table outside the six schemas") for name in tables.other]
    judge_names = names_inline_constraints(connection)
    owners: defaultdict[str, list[str]] = defaultdict(list)
    for db_table in sorted(tables.ours):
        name = split_table(db_table)[1]
        if not PASCAL_CASE.match(name):
            violations.append(Violation(db_table, TABLE_NAME, f"{name!r} is not PascalCase"))
        for column in column_names(connection, db_table):
            if not PASCAL_CASE.match(column):
                violations.append(Violation(f"{db_table}.{column}", COLUMN_NAME, f"{column!r} is not PascalCase"))
        if judge_names:
            for constraint, details in constraints(connection, db_table).items():
                owners[constraint].append(db_table)
                violations += _live_constraint_name(db_table, constraint, details)
    for constraint, owning in owners.items():
        if len(owning) > 1:
            detail = f"used more than once: {', '.join(sorted(owning))}"
            violations.append(Violation(constraint, CONSTRAINT_NAME, detail))
    return LiveAudit(sorted(violations), len(tables.ours), len(owners) if judge_names else None, tables.framework)


def _live_constraint_name(db_table: str, name: str, details: dict[str, Any]) -> list[Violation]:
    found = []
    misnamed = _misnamed(db_table, name, details)
    if misnamed:
        found.append(Violation(name, CONSTRAINT_NAME, f"on {db_table}: {misnamed}"))
    if len(name) > MAX_NAME_LENGTH:
        found.append(Violation(name, CONSTRAINT_NAME, f"on {db_table}: {len(name)} characters, over {MAX_NAME_LENGTH}"))
    return found


def _misnamed(db_table: str, name: str, details: dict[str, Any]) -> str | None:
    """What is wrong with the name of a live constraint or index, if anything.

    A DEFAULT constraint (SQL Server keeps every column default as one) is named after its
    table and column, ``DF_User_TimezoneIdentifier``, as the SQL Server schema editor names
    it (``eventlead.db.backends.mssql.schema.default_name``); the rest by their kind's prefix.
    """
    if details.get("default"):
        columns = details["columns"]
        expected = f"DF_{constraint_stem(db_table)}_{'_'.join(columns)}"
        return None if name == expected else f"the DEFAULT of {', '.join(columns)} is named {expected}"
    if details.get("primary_key"):
        prefix = "PK_"
    elif details.get("foreign_key"):
        prefix = "FK_"
    elif details.get("unique"):
        prefix = "UQ_"
    elif details.get("check"):
        prefix = "CK_"
    else:
        prefix = "IX_"
    if SYNTHETIC_NAME.match(name) or not name.startswith(prefix):
        return f"expected a name starting with {prefix}"
    return None
