"""Names the naming standard derives from a table: schemas, stems, constraint names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import ForeignKey

if TYPE_CHECKING:
    from django.db.models import Model

SCHEMAS = ("dbo", "ref", "config", "log", "audit", "cache")
NON_DBO_SCHEMAS = SCHEMAS[1:]

# Django's index-name suffixes mapped to the standard's prefixes (PK_, FK_, UQ_, IX_, CK_).
_SUFFIX_PREFIXES = {"_pk": "PK", "_uniq": "UQ", "_check": "CK", "_like": "IX", "_idx": "IX", "": "IX"}


def split_table(db_table: str) -> tuple[str | None, str]:
    """Split ``"ref.Country"`` into ``("ref", "Country")``; unqualified names get ``None``.

    SQLite rebuilds a table as ``new__<table>`` before renaming it; names derived from the
    copy must be those of the table.
    """
    db_table = db_table.removeprefix("new__")
    schema, dot, name = db_table.partition(".")
    if dot and schema in SCHEMAS:
        return schema, name
    return None, db_table


def constraint_stem(db_table: str) -> str:
    """Return the table part of constraint names: ``User``, or ``AuditUser`` in ``audit``.

    The audit tables share names with ``dbo`` tables (``audit.User``), and constraint names
    must be unique across the database, so they carry the same ``Audit`` prefix as their keys.
    """
    schema, name = split_table(db_table)
    return f"Audit{name}" if schema == "audit" else name


def primary_key_name(db_table: str) -> str:
    return f"PK_{constraint_stem(db_table)}"


def index_name(db_table: str, columns: list[str] | tuple[str, ...], suffix: str = "") -> str:
    """Name an index or constraint Django would otherwise name with a hash."""
    prefix = "FK" if suffix.startswith("_fk") else _SUFFIX_PREFIXES.get(suffix, "IX")
    name = "_".join([prefix, constraint_stem(db_table), *columns])
    return f"{name}_like" if suffix == "_like" else name


def foreign_key_name(model: type[Model], field: ForeignKey[Any, Any]) -> str:
    """``FK_User_UserStatus``; the column (``FK_Company_CreatedBy``) for self-references and
    where a table has several keys to one target."""
    target = field.remote_field.model._meta.db_table
    siblings = [
        f
        for f in model._meta.local_fields
        if isinstance(f, ForeignKey) and has_db_constraint(f) and f.remote_field.model._meta.db_table == target
    ]
    self_reference = target == model._meta.db_table
    tail = constraint_stem(target) if len(siblings) == 1 and not self_reference else field.column
    return f"FK_{constraint_stem(model._meta.db_table)}_{tail}"


def has_db_constraint(field: ForeignKey[Any, Any]) -> bool:
    """Whether the database enforces ``field`` with a foreign key (``db_constraint``)."""
    return bool(field.db_constraint)  # type: ignore[attr-defined]  # django-stubs omit ForeignKey.db_constraint
