"""Cheap row counts for very large tables, where the engine keeps an estimate."""

from django.db import connections
from django.db.models import Model


def table_row_estimate(model: type[Model], using: str) -> int | None:
    """The planner's row estimate for ``model``'s table (PostgreSQL), or None where there is none.

    ``pg_class.reltuples`` is kept by ANALYZE and autovacuum; it is -1 before the first one.
    SQLite and SQL Server return None here, and callers count up to a cap instead.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return row[0] if row and row[0] >= 0 else None
