"""What the models declare: which models are ours, and every constraint and index they name.

Names that Django would otherwise generate (primary keys, foreign keys, the indexes on foreign
key columns, column-level UNIQUE) come from ``eventlead.db.naming``, the same functions the
schema editors call, so the list matches what the migrations created.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import models

from .. import naming

PRIMARY_KEY, FOREIGN_KEY, UNIQUE, INDEX, CHECK = "primary key", "foreign key", "unique", "index", "check"
PREFIXES = {PRIMARY_KEY: "PK_", FOREIGN_KEY: "FK_", UNIQUE: "UQ_", INDEX: "IX_", CHECK: "CK_"}
FRAMEWORK_PREFIXES = ("django_", "auth_")


@dataclass(frozen=True)
class Declared:
    """A named constraint or index a model declares (or the naming standard derives)."""

    name: str
    kind: str
    columns: tuple[str, ...] = ()
    # Foreign keys: the referenced table and column.
    references: tuple[str, str] | None = None
    # Written inside the column definition (PRIMARY KEY, REFERENCES, UNIQUE): SQLite keeps
    # no name for these in its catalogue.
    inline: bool = False


def is_project_app(app_config: AppConfig) -> bool:
    """Apps of this repository, as opposed to Django's and installed packages'."""
    path = Path(app_config.path).resolve()
    return path.is_relative_to(Path(settings.BASE_DIR).resolve()) and not {"site-packages", "dist-packages"} & set(
        path.parts
    )


def project_models() -> list[type[models.Model]]:
    return [
        model
        for app_config in apps.get_app_configs()
        if is_project_app(app_config)
        for model in app_config.get_models(include_auto_created=True)
    ]


def framework_tables() -> set[str]:
    """Tables of Django and installed packages (``django_migrations`` has no model)."""
    tables = {"django_migrations"}
    for app_config in apps.get_app_configs():
        if not is_project_app(app_config):
            tables.update(model._meta.db_table for model in app_config.get_models(include_auto_created=True))
    return tables


def is_framework_table(name: str, framework: set[str]) -> bool:
    return name in framework or name.startswith(FRAMEWORK_PREFIXES)


def relation_fields(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    """Foreign keys and one-to-one fields with a column on ``model``'s table."""
    # The concrete relation fields are exactly the foreign keys (one-to-one fields are ones).
    return [field for field in model._meta.concrete_fields if isinstance(field, models.ForeignKey)]


def constraint_fields(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    """Foreign keys the database enforces (``db_constraint=True``)."""
    return [field for field in relation_fields(model) if naming.has_db_constraint(field)]


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """``model``'s own field ``name``: constraints and indexes never name a reverse relation."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model._meta.label}.{name} is a reverse relation, not a field of the model's own")
    return field


def _columns(model: type[models.Model], field_names: Iterable[str]) -> tuple[str, ...]:
    return tuple(concrete_field(model, name).column for name in field_names)


def declared_constraints(model: type[models.Model]) -> list[Declared]:
    """Every constraint and index name ``model`` should have in the database."""
    table = model._meta.db_table
    declared = [
        Declared(
            naming.primary_key_name(table),
            PRIMARY_KEY,
            tuple(field.column for field in model._meta.pk_fields),
            # A composite key is a table constraint, which SQLite does name, but its
            # introspection reports every primary key as "__primary__".
            inline=True,
        )
    ]
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and naming.has_db_constraint(field):
            target = field.target_field
            declared.append(
                Declared(
                    naming.foreign_key_name(model, field),
                    FOREIGN_KEY,
                    (field.column,),
                    references=(target.model._meta.db_table, target.column),
                    inline=True,
                )
            )
        if field.primary_key:
            continue
        if field.unique:
            name = naming.index_name(table, [field.column], "_uniq")
            declared.append(Declared(name, UNIQUE, (field.column,), inline=True))
        elif field.db_index:  # type: ignore[attr-defined]  # django-stubs omit Field.db_index
            declared.append(Declared(naming.index_name(table, [field.column]), INDEX, (field.column,)))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            columns = _columns(model, constraint.fields) if constraint.fields else ()
            declared.append(Declared(constraint.name, UNIQUE, columns))
        elif isinstance(constraint, models.CheckConstraint):
            declared.append(Declared(constraint.name, CHECK))
        else:
            declared.append(Declared(constraint.name, "constraint"))
    for index in model._meta.indexes:
        columns = _columns(model, [name.lstrip("-") for name in index.fields]) if index.fields else ()
        declared.append(Declared(index.name or "", INDEX, columns))
    for fields in model._meta.unique_together:
        columns = _columns(model, fields)
        declared.append(Declared(naming.index_name(table, list(columns), "_uniq"), UNIQUE, columns))
    return declared


@dataclass(frozen=True)
class UniqueRule:
    """A set of columns the database must keep unique, possibly only where ``condition`` holds."""

    name: str
    fields: tuple[models.Field[Any, Any], ...]
    condition: models.Q | None = None


def unique_rules(model: type[models.Model]) -> list[UniqueRule]:
    """Unique constraints of ``model`` that a duplicate insert can test.

    Identity primary keys are left out: inserting an explicit identity value is refused on
    SQL Server for a reason that has nothing to do with uniqueness.
    """
    table = model._meta.db_table
    rules = []
    if len(model._meta.pk_fields) > 1:
        rules.append(UniqueRule(naming.primary_key_name(table), tuple(model._meta.pk_fields)))
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            rules.append(UniqueRule(naming.index_name(table, [field.column], "_uniq"), (field,)))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            fields = tuple(concrete_field(model, name) for name in constraint.fields)
            rules.append(UniqueRule(constraint.name, fields, constraint.condition))
    for names in model._meta.unique_together:
        fields = tuple(concrete_field(model, name) for name in names)
        rules.append(UniqueRule(naming.index_name(table, [f.column for f in fields], "_uniq"), fields))
    return rules
