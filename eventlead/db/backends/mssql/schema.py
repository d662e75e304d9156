"""The schema editor: the six schemas, and every constraint named by the standard."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeAlias, cast

from django.db import NotSupportedError
from django.db.backends.ddl_references import Statement
from django.db.models import Field, Model
from mssql import schema

from ... import naming
from ...schema import NamedConstraintsMixin, has_composite_pk

DESCRIPTION = "MS_Description"  # the extended property SQL Server tools show as a comment

# A statement and its parameters, as the schema editor's *_sql() methods return them.
SqlAndParams: TypeAlias = tuple[str, list[Any]]


class Batches(tuple[Statement | str, ...]):
    """Statements that must run one after another, each in a batch of its own.

    Some steps take more than one statement where mssql-django expects one: a column rename
    between the drop and the re-creation of its unique indexes, a comment set by dropping the
    old one first. ``DatabaseSchemaEditor.execute`` runs them in order, with no parameters
    (their values are written in), so a script gets each as its own statement.
    """

    def __str__(self) -> str:
        return "\n".join(str(statement) for statement in self)


class DatabaseSchemaEditor(NamedConstraintsMixin, schema.DatabaseSchemaEditor):
    # CREATE SCHEMA must be alone in its batch, hence EXEC.
    sql_create_schema = "IF SCHEMA_ID(N'%(name)s') IS NULL EXEC(N'CREATE SCHEMA [%(name)s]')"

    # Before dropping a table, mssql-django drops the foreign keys that reference it with
    # 'ALTER TABLE [' + OBJECT_NAME(parent_object_id) + ']', which names the referencing table
    # without its schema: a key on audit.X would be looked for on dbo.X. Here each key's table
    # is named with its schema, and all the keys are dropped in one dynamic statement
    # (STRING_AGG, SQL Server 2017 and later; NULL when no key references the table). The
    # statements share a variable, so they stay in one batch.
    sql_delete_table = (
        "DECLARE @drop_foreign_keys nvarchar(max);\n"
        "SELECT @drop_foreign_keys = COALESCE(STRING_AGG(CONVERT(nvarchar(max), N'ALTER TABLE ' + "
        "QUOTENAME(OBJECT_SCHEMA_NAME(parent_object_id)) + N'.' + QUOTENAME(OBJECT_NAME(parent_object_id)) + "
        "N' DROP CONSTRAINT ' + QUOTENAME(name)), N'; '), N'') "
        "FROM sys.foreign_keys WHERE referenced_object_id = OBJECT_ID(N'%(table)s');\n"
        "EXEC sp_executesql @drop_foreign_keys;\n"
        "DROP TABLE %(table)s"
    )

    def create_model(self, model: type[Model]) -> None:
        # mssql-django de-duplicates the deferred statements (foreign keys, indexes) with
        # list(set(...)), so their order follows string hashes and changes from process to
        # process. Keep the earlier statements in place and sort the new ones by their SQL:
        # the same migrations then always run, and render, in the same order.
        earlier = list(self.deferred_sql)  # holds the objects, so their ids stay theirs
        position = {id(statement): index for index, statement in enumerate(earlier)}
        super().create_model(model)
        self.deferred_sql.sort(key=lambda statement: (position.get(id(statement), len(earlier)), str(statement)))

    def alter_db_table(self, model: type[Model], old_db_table: str, new_db_table: str) -> None:
        """Rename a table within its schema; refuse to move it to another schema.

        mssql-django writes ``EXEC sp_rename [audit].[User], [audit].[Person]``, which SQL
        Server refuses: sp_rename takes the current name as a string and the new name alone,
        unquoted (brackets or a schema there become part of the name). Moving a table across
        schemas (ALTER SCHEMA ... TRANSFER) would leave its keys, constraints and triggers
        named for the old schema (``PK_AuditUser`` outside audit), so that is left to a
        hand-written migration.
        """
        old_schema, new_schema = _schema_of(old_db_table), _schema_of(new_db_table)
        if old_schema != new_schema:
            raise NotSupportedError(
                f"Renaming table {old_db_table} to {new_db_table} (AlterModelTable, RenameModel) would move "
                f"it from schema {old_schema} to {new_schema}; the SQL Server backend renames tables only "
                "within their schema."
            )
        if old_db_table == new_db_table or (
            self.connection.features.ignores_table_name_case and old_db_table.lower() == new_db_table.lower()
        ):
            return
        old_table, new_name = _unicode(self.quote_name(old_db_table)), _unicode(naming.split_table(new_db_table)[1])
        self.execute(self.sql_rename_table % {"old_table": old_table, "new_table": new_name})
        for statement in self.deferred_sql:
            if isinstance(statement, Statement):
                statement.rename_table_references(old_db_table, new_db_table)

    def alter_db_table_comment(
        self, model: type[Model], old_db_table_comment: str | None, new_db_table_comment: str | None
    ) -> None:
        self.execute(self._description_sql(model._meta.db_table, None, new_db_table_comment))

    def _alter_column_comment_sql(
        self, model: type[Model], new_field: Field[Any, Any], new_type: str, new_db_comment: str | None
    ) -> tuple[Batches, list[Any]]:
        return self._description_sql(model._meta.db_table, new_field.column, new_db_comment), []

    def _description_sql(self, db_table: str, column: str | None, comment: str | None) -> Batches:
        """Replace the comment (MS_Description) of a table, or of one of its columns.

        mssql-django files every comment under ``@level0name = 'dbo'`` with the quoted
        ``[audit].[User]`` as the table's name; an extended property is addressed by schema,
        table and column names, so here they are the table's own. Dropping the old comment
        and adding the new one takes two statements; with no new comment only the first runs.
        """
        table = naming.split_table(db_table)[1]
        levels = [("SCHEMA", _schema_of(db_table)), ("TABLE", table)] + ([("COLUMN", column)] if column else [])
        listed = [f"N'{kind}', {_unicode(name)}" for kind, name in levels] + ["NULL, NULL"] * (3 - len(levels))
        named = ", ".join(
            f"@level{depth}type = N'{kind}', @level{depth}name = {_unicode(name)}"
            for depth, (kind, name) in enumerate(levels)
        )
        # S608: names and the comment go in as N'' literals escaped by _unicode (DDL takes no parameters).
        statements = [
            f"IF EXISTS (SELECT 1 FROM sys.fn_listextendedproperty({_unicode(DESCRIPTION)}, {', '.join(listed)})) "  # noqa: S608
            f"BEGIN EXEC sp_dropextendedproperty @name = {_unicode(DESCRIPTION)}, {named}; END"
        ]
        if comment:
            statements.append(
                f"EXEC sp_addextendedproperty @name = {_unicode(DESCRIPTION)}, @value = {_unicode(comment)}, {named}"
            )
        return Batches(statements)

    def _rename_field_sql(
        self, table: str, old_field: Field[Any, Any], new_field: Field[Any, Any], new_type: str
    ) -> Batches:
        """Rename a column, with the unique indexes on it dropped before and re-created after.

        SQL Server refuses to rename a column a filtered index depends on (mssql-django issue
        #67), and mssql-django's unique indexes are filtered (``WHERE [Email] IS NOT NULL``).
        mssql-django reads them back from sys.indexes, a query a script cannot ask, and
        re-creates them unquoted and without schema (``ON dbo.User``) under their old names.
        Here they are rebuilt from the model the database matches, then pointed at the new
        column: named by the standard for the new columns, or keeping the name a
        ``Meta.constraints`` entry gives them (Django's state still calls them by it).
        """
        model = old_field.model
        indexes = self._unique_indexes_on(table, old_field.column)
        creates = [self._unique_index_sql(model, name, columns) for name, columns in indexes.items()]
        for statement in creates:
            statement.rename_column_references(table, old_field.column, new_field.column)
        drops = [self._db_table_delete_constraint_sql(self.sql_delete_index, table, name) for name in indexes]
        return Batches([*drops, super()._rename_field_sql(table, old_field, new_field, new_type), *creates])

    def _db_table_constraint_names(
        self,
        db_table: str,
        column_names: list[str] | None = None,
        column_match_any: bool = False,
        **filters: Any,
    ) -> list[str]:
        # mssql-django asks for indexes matching any of some columns only to move the unique
        # indexes around a column rename itself; _rename_field_sql moves them instead.
        if column_match_any:
            return []
        names: list[str] = super()._db_table_constraint_names(db_table, column_names, **filters)
        return names

    def _unique_indexes_on(self, db_table: str, column: str) -> dict[str, list[str]]:
        """The unique indexes (not constraints) of ``db_table`` on ``column``, with their columns.

        In name order, so the statements do not depend on the order introspection lists them in.
        """
        with self.connection.cursor() as cursor:
            constraints = self.connection.introspection.get_constraints(cursor, db_table)
        return {
            name: constraint["columns"]
            for name, constraint in sorted(constraints.items())
            if constraint["index"] and constraint["unique"] and column in constraint["columns"]
        }

    def _unique_index_sql(self, model: type[Model], name: str, columns: list[str]) -> Statement:
        """The statement that created unique index ``name`` on ``columns`` of ``model``.

        A ``Meta.constraints`` entry creates its own; any other is mssql-django's filtered
        index for a nullable unique field or a unique_together: unique where no column is NULL.
        """
        for constraint in model._meta.constraints:
            if constraint.name == name:
                # A UniqueConstraint's, a Statement (django-stubs says str for every constraint).
                return cast(Statement, constraint.create_sql(model, self))
        fields = {field.column: field for field in model._meta.local_concrete_fields}
        condition = " AND ".join(f"{self.quote_name(column)} IS NOT NULL" for column in columns)
        statement: Statement = self._create_unique_sql(
            model, [fields[column] for column in columns], condition=condition
        )
        return statement

    def _create_index_name(self, table_name: str, column_names: Sequence[str], suffix: str = "") -> str:
        # mssql-django re-creates a primary key (after changing its column's type, or when a
        # field becomes the key) under an index name for its column, PK_User_UserID; the
        # standard names a table's key PK_User, as create_model does.
        if suffix == "_pk":
            return naming.primary_key_name(table_name)
        return super()._create_index_name(table_name, column_names, suffix)

    def _iter_column_sql(
        self,
        column_db_type: str,
        params: list[Any],
        model: type[Model],
        field: Field[Any, Any],
        field_db_params: dict[str, Any],
        include_default: bool,
    ) -> Iterator[str]:
        # SQL Server keeps every column DEFAULT as a constraint and, left unnamed, names it
        # itself (DF__User__Timezon__1A2B3C4D). Name it the way the standard names the others.
        # A nullable unique column gets mssql-django's filtered unique index instead (NULLs may
        # repeat); it removes a bare " UNIQUE" from the column, which would leave the named one
        # as a dangling "CONSTRAINT [UQ_User_Email]", so the named one is left out here.
        nullable_unique = field.null and self.connection.features.supports_nullable_unique_constraints
        for part in super()._iter_column_sql(column_db_type, params, model, field, field_db_params, include_default):
            if part.startswith("DEFAULT "):
                part = f"CONSTRAINT {self.quote_name(default_name(model, field))} {part}"
            elif nullable_unique and part.endswith(" UNIQUE"):
                continue
            yield part

    def _alter_column_default_sql(
        self, model: type[Model], old_field: Field[Any, Any] | None, new_field: Field[Any, Any], drop: bool = False
    ) -> SqlAndParams:
        build = super()._alter_column_default_sql
        return self._named_default_sql(build, model, old_field, new_field, drop)

    def _alter_column_database_default_sql(
        self, model: type[Model], old_field: Field[Any, Any] | None, new_field: Field[Any, Any], drop: bool = False
    ) -> SqlAndParams:
        """Also drop the column's current DEFAULT before adding a changed one.

        mssql-django only adds the new DEFAULT, under the DF_ name the old one still has; a
        column has at most one DEFAULT, and constraint names are unique in a schema.
        """
        if not drop:
            current = self._default_constraint_name(model, new_field.column)
            if current is not None:
                self.execute(
                    self.sql_delete_default
                    % {"table": self.quote_name(model._meta.db_table), "name": self.quote_name(current)}
                )
        build = super()._alter_column_database_default_sql
        return self._named_default_sql(build, model, old_field, new_field, drop)

    def _named_default_sql(
        self,
        build: Callable[[type[Model], Field[Any, Any] | None, Field[Any, Any]], SqlAndParams],
        model: type[Model],
        old_field: Field[Any, Any] | None,
        new_field: Field[Any, Any],
        drop: bool,
    ) -> SqlAndParams:
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
        current = self._default_constraint_name(model, new_field.column)
        if current is None:
            raise ValueError(f"Found 0 DEFAULT constraints on {model._meta.db_table}.{new_field.column}.")
        return self.sql_alter_column_no_default % {"column": self.quote_name(current)}, []

    def _default_constraint_name(self, model: type[Model], column: str) -> str | None:
        """The name of the DEFAULT constraint ``column`` has, by introspection; None if it has none."""
        with self.connection.cursor() as cursor:
            constraints = self.connection.introspection.get_constraints(cursor, model._meta.db_table)
        names = [
            name
            for name, constraint in constraints.items()
            if constraint["default"] and constraint["columns"] == [column]
        ]
        if len(names) > 1:
            raise ValueError(f"Found {len(names)} DEFAULT constraints on {model._meta.db_table}.{column}.")
        return names[0] if names else None

    def execute(
        self, sql: Statement | str | Batches, params: Sequence[Any] | None = (), has_result: bool = False
    ) -> Any:
        """Run ``sql``; mssql-django's answer is the rows it fetched with ``has_result``, else None."""
        if isinstance(sql, Batches):  # one step, several statements: each on its own
            for statement in sql:
                super().execute(statement, None)
            return None
        # mssql-django writes a composite primary key inline as "PRIMARY KEY (...)" in
        # create_model() instead of calling _pk_constraint_sql(); name it here.
        model = getattr(self, "_model_being_created", None)
        if model is not None and has_composite_pk(model) and str(sql).startswith("CREATE TABLE"):
            name = self.quote_name(naming.primary_key_name(model._meta.db_table))
            sql = str(sql).replace(", PRIMARY KEY (", f", CONSTRAINT {name} PRIMARY KEY (", 1)
        # mssql-django's execute() takes has_result; django-stubs' base editor does not.
        return super().execute(sql, params, has_result)  # type: ignore[call-arg]


def default_name(model: type[Model], field: Field[Any, Any]) -> str:
    """``DF_User_TimezoneIdentifier``: the DEFAULT constraint of a column, as SQL Server needs one."""
    return f"DF_{naming.constraint_stem(model._meta.db_table)}_{field.column}"


def _schema_of(db_table: str) -> str:
    """The schema ``db_table`` is in; an unqualified table is in the default schema, dbo."""
    return naming.split_table(db_table)[0] or "dbo"


def _unicode(text: str) -> str:
    """``text`` as a T-SQL Unicode string literal: ``N'It''s'``."""
    escaped = text.replace("'", "''")
    return f"N'{escaped}'"
