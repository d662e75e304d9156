"""The schema editor: the six schemas, and every constraint named by the standard."""

from mssql import schema

from ... import naming
from ...schema import NamedConstraintsMixin, has_composite_pk


class DatabaseSchemaEditor(NamedConstraintsMixin, schema.DatabaseSchemaEditor):
    # CREATE SCHEMA must be alone in its batch, hence EXEC.
    sql_create_schema = "IF SCHEMA_ID(N'%(name)s') IS NULL EXEC(N'CREATE SCHEMA [%(name)s]')"

    def create_model(self, model):
        # mssql-django de-duplicates the deferred statements (foreign keys, indexes) with
        # list(set(...)), so their order follows string hashes and changes from process to
        # process. Keep the earlier statements in place and sort the new ones by their SQL:
        # the same migrations then always run, and render, in the same order.
        earlier = list(self.deferred_sql)  # holds the objects, so their ids stay theirs
        position = {id(statement): index for index, statement in enumerate(earlier)}
        super().create_model(model)
        self.deferred_sql.sort(key=lambda statement: (position.get(id(statement), len(earlier)), str(statement)))

    def _iter_column_sql(self, column_db_type, params, model, field, field_db_params, include_default):
        # SQL Server keeps every column DEFAULT as a constraint and, left unnamed, names it
        # itself (DF__User__Timezon__1A2B3C4D). Name it the way the standard names the others.
        for part in super()._iter_column_sql(column_db_type, params, model, field, field_db_params, include_default):
            if part.startswith("DEFAULT "):
                part = f"CONSTRAINT {self.quote_name(default_name(model, field))} {part}"
            yield part

    def _alter_column_default_sql(self, model, old_field, new_field, drop=False):
        build = super()._alter_column_default_sql
        return self._named_default_sql(build, model, old_field, new_field, drop)

    def _alter_column_database_default_sql(self, model, old_field, new_field, drop=False):
        build = super()._alter_column_database_default_sql
        return self._named_default_sql(build, model, old_field, new_field, drop)

    def _named_default_sql(self, build, model, old_field, new_field, drop):
        """Add a column's DEFAULT under its DF_ name, or drop the one the table has.

        To drop, mssql-django looks the name up in sys.default_constraints with
        ``t.name = 'dbo.User'``, which no schema-qualified table matches, through a query that
        returns nothing while SQL is only being collected. Introspection (schema-aware here,
        and the script's own catalogue when rendering offline) names it instead.
        """
        if not drop:
            sql, params = build(model, old_field, new_field)
            name = self.quote_name(default_name(model, new_field))
            return sql.replace("ADD DEFAULT ", f"ADD CONSTRAINT {name} DEFAULT ", 1), params
        with self.connection.cursor() as cursor:
            constraints = self.connection.introspection.get_constraints(cursor, model._meta.db_table)
        names = [
            name
            for name, constraint in constraints.items()
            if constraint["default"] and constraint["columns"] == [new_field.column]
        ]
        if len(names) != 1:
            raise ValueError(f"Found {len(names)} DEFAULT constraints on {model._meta.db_table}.{new_field.column}.")
        return self.sql_alter_column_no_default % {"column": self.quote_name(names[0])}, []

    def execute(self, sql, params=(), has_result=False):
        # mssql-django writes a composite primary key inline as "PRIMARY KEY (...)" in
        # create_model() instead of calling _pk_constraint_sql(); name it here.
        model = getattr(self, "_model_being_created", None)
        if model is not None and has_composite_pk(model) and str(sql).startswith("CREATE TABLE"):
            name = self.quote_name(naming.primary_key_name(model._meta.db_table))
            sql = str(sql).replace(", PRIMARY KEY (", f", CONSTRAINT {name} PRIMARY KEY (", 1)
        return super().execute(sql, params, has_result)


def default_name(model, field) -> str:
    """``DF_User_TimezoneIdentifier``: the DEFAULT constraint of a column, as SQL Server needs one."""
    return f"DF_{naming.constraint_stem(model._meta.db_table)}_{field.column}"
