"""A schema-editor mixin shared by the three backends: readable names and schema creation."""

from __future__ import annotations

from django.db.models import CompositePrimaryKey

from . import naming


class NamedConstraintsMixin:
    """Give primary keys, foreign keys, unique constraints and indexes readable names.

    Django names them ``<table>_<column>_<hash>``; with schema-qualified tables those names
    contain a dot and break on SQL Server (mssql-django issue #183). The standard in
    ``tables.md`` wants ``PK_User``, ``FK_User_UserStatus``, ``UQ_User_Email``.
    """

    def _iter_column_sql(self, column_db_type, params, model, field, field_db_params, include_default):
        for part in super()._iter_column_sql(column_db_type, params, model, field, field_db_params, include_default):
            if part == "PRIMARY KEY":
                name = naming.primary_key_name(model._meta.db_table)
                yield f"CONSTRAINT {self.quote_name(name)} PRIMARY KEY"
            elif part == "UNIQUE":
                name = naming.index_name(model._meta.db_table, [field.column], "_uniq")
                yield f"CONSTRAINT {self.quote_name(name)} UNIQUE"
            else:
                yield part

    def _pk_constraint_sql(self, columns):
        model = self._model_being_created
        name = naming.primary_key_name(model._meta.db_table)
        return f"CONSTRAINT {self.quote_name(name)} " + super()._pk_constraint_sql(columns)

    def create_model(self, model):
        self._model_being_created = model
        try:
            super().create_model(model)
        finally:
            self._model_being_created = None

    def _create_index_name(self, table_name, column_names, suffix=""):
        return naming.index_name(table_name, list(column_names), suffix)

    def _fk_constraint_name(self, model, field, suffix):
        return self.quote_name(naming.foreign_key_name(model, field))

    # Schemas -----------------------------------------------------------------------------

    sql_create_schema = None  # Engines without schemas (SQLite) create nothing.

    def create_schema(self, schema: str) -> None:
        if self.sql_create_schema:
            self.execute(self.sql_create_schema % {"name": schema})


def has_composite_pk(model) -> bool:
    return isinstance(model._meta.pk, CompositePrimaryKey)
