"""A schema-editor mixin shared by the three backends: readable names and schema creation."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db.models import CompositePrimaryKey, Field, ForeignKey, Model

from . import naming

if TYPE_CHECKING:
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    class _SchemaEditor(BaseDatabaseSchemaEditor):
        """The schema editor the mixin is mixed into, with the private methods it extends
        (django-stubs leaves them out)."""

        def _iter_column_sql(
            self,
            column_db_type: str,
            params: list[Any],
            model: type[Model],
            field: Field[Any, Any],
            field_db_params: dict[str, Any],
            include_default: bool,
        ) -> Iterator[str]: ...

        def _pk_constraint_sql(self, columns: Sequence[str]) -> str: ...

else:
    _SchemaEditor = object


class NamedConstraintsMixin(_SchemaEditor):
    """Give primary keys, foreign keys, unique constraints and indexes readable names.

    Django names them ``<table>_<column>_<hash>``; with schema-qualified tables those names
    contain a dot and break on SQL Server (mssql-django issue #183). The standard in
    ``tables.md`` wants ``PK_User``, ``FK_User_UserStatus``, ``UQ_User_Email``.
    """

    _model_being_created: type[Model] | None

    def _iter_column_sql(
        self,
        column_db_type: str,
        params: list[Any],
        model: type[Model],
        field: Field[Any, Any],
        field_db_params: dict[str, Any],
        include_default: bool,
    ) -> Iterator[str]:
        for part in super()._iter_column_sql(column_db_type, params, model, field, field_db_params, include_default):
            if part == "PRIMARY KEY":
                name = naming.primary_key_name(model._meta.db_table)
                yield f"CONSTRAINT {self.quote_name(name)} PRIMARY KEY"
            elif part == "UNIQUE":
                name = naming.index_name(model._meta.db_table, [field.column], "_uniq")
                yield f"CONSTRAINT {self.quote_name(name)} UNIQUE"
            else:
                yield part

    def _pk_constraint_sql(self, columns: Sequence[str]) -> str:
        model = cast("type[Model]", self._model_being_created)  # set while create_model builds the table
        name = naming.primary_key_name(model._meta.db_table)
        return f"CONSTRAINT {self.quote_name(name)} " + super()._pk_constraint_sql(columns)

    def create_model(self, model: type[Model]) -> None:
        self._model_being_created = model
        try:
            super().create_model(model)
        finally:
            self._model_being_created = None

    def _create_index_name(self, table_name: str, column_names: Sequence[str], suffix: str = "") -> str:
        return naming.index_name(table_name, list(column_names), suffix)

    def _fk_constraint_name(self, model: type[Model], field: ForeignKey[Any, Any], suffix: str) -> str:
        return self.quote_name(naming.foreign_key_name(model, field))

    # Schemas -----------------------------------------------------------------------------

    sql_create_schema: str | None = None  # Engines without schemas (SQLite) create nothing.

    def create_schema(self, schema: str) -> None:
        if self.sql_create_schema:
            self.execute(self.sql_create_schema % {"name": schema})


def has_composite_pk(model: type[Model]) -> bool:
    return isinstance(model._meta.pk, CompositePrimaryKey)
