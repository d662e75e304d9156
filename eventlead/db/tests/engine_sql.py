"""Statements the database tests send by hand, as each engine spells them (SQL Server included)."""

# SQL Server's default schema, dbo, is one of the six: a table outside them needs its own schema.
STRAY_SCHEMA = {"microsoft": "stray"}


def drop_index_sql(connection, model, name: str) -> str:
    """``DROP INDEX``: SQL Server names the table (``ON [dbo].[Company]``), PostgreSQL the schema."""
    editor = connection.schema_editor()
    editor.deferred_sql = []  # set on entering the editor, which only the statement is wanted of
    return str(editor._delete_index_sql(model, name))


def stray_table(connection) -> tuple[str, list[str]]:
    """A table outside the six schemas: its listed name, and the statements that create it."""
    schema = STRAY_SCHEMA.get(connection.vendor)
    if schema is None:
        return "stray_table", [f"CREATE TABLE {connection.ops.quote_name('stray_table')} (id integer)"]
    name = f"{schema}.stray_table"
    return name, [
        f"IF SCHEMA_ID(N'{schema}') IS NULL EXEC(N'CREATE SCHEMA [{schema}]')",
        f"CREATE TABLE [{schema}].[stray_table] (id integer)",
    ]
