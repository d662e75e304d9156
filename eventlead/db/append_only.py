"""Database-level immutability for the audit tables: triggers that refuse UPDATE and DELETE.

The ORM refuses too (``auditing.models.AppendOnlyModel``); these triggers make a raw SQL
statement, a bulk tool or another client fail the same way.
"""

from collections.abc import Callable

from . import naming

MESSAGE = "audit rows are append-only"


def trigger_name(db_table: str) -> str:
    return f"TR_{naming.constraint_stem(db_table)}_AppendOnly"


def create_statements(vendor: str, db_table: str, quote: Callable[[str], str]) -> list[str]:
    """The statements that make ``db_table`` append-only on ``vendor`` (none where unsupported)."""
    table, name = quote(db_table), trigger_name(db_table)
    if vendor == "postgresql":
        schema, _ = naming.split_table(db_table)
        function = f'"{schema}"."refuse_change"'
        return [
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$",
            f'CREATE TRIGGER "{name}" BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()',
        ]
    if vendor == "sqlite":
        # SQLite has no UPDATE OR DELETE trigger: one of each.
        return [
            f'CREATE TRIGGER "{name}_{event}" BEFORE {event.upper()} ON {table} '
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            for event in ("Update", "Delete")
        ]
    if vendor == "microsoft":
        schema, _ = naming.split_table(db_table)
        # An INSTEAD OF trigger fires once per statement, even one that matches no row; such
        # a statement changes nothing and passes. THROW inside a trigger dooms the whole
        # transaction, so the application never sends UPDATE or DELETE here at all
        # (auditing.models.AppendOnlyModel inserts with force_insert).
        # S608: identifiers from the model's own db_table, quoted; no value from outside.
        return [
            f"CREATE TRIGGER [{schema}].[{name}] ON {table} INSTEAD OF UPDATE, DELETE AS "  # noqa: S608
            f"BEGIN SET NOCOUNT ON; IF NOT EXISTS (SELECT 1 FROM deleted) RETURN; "
            f"THROW 51000, N'{MESSAGE}', 1; END"
        ]
    return []


def drop_statements(vendor: str, db_table: str, quote: Callable[[str], str]) -> list[str]:
    table, name = quote(db_table), trigger_name(db_table)
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{name}" ON {table}']
    if vendor == "sqlite":
        return [f'DROP TRIGGER IF EXISTS "{name}_{event}"' for event in ("Update", "Delete")]
    if vendor == "microsoft":
        schema, _ = naming.split_table(db_table)
        return [f"DROP TRIGGER IF EXISTS [{schema}].[{name}]"]
    return []
