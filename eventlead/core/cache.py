"""The database cache the throttles share when there is no Redis: no count per write, no eviction of live entries.

Django's ``DatabaseCache`` counts the whole table before every write, and once the count passes
``MAX_ENTRIES`` it deletes live entries too: a client that sends requests under many new keys
(every refresh token is a new throttle key) could push the rate counters of others out of the
cache, resetting their limits, and each write pays for a full count of a table that keeps growing.
This backend writes a value with one upsert where the engine has one (outside a transaction),
else as Django's does (read the key, then update or insert, in one transaction); it never evicts
an entry before it expires, and deletes expired entries at most once a minute per process, with
one statement.
"""

from __future__ import annotations

import base64
import pickle
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, models, router, transaction
from django.utils.timezone import now as tz_now

EXPIRED_DELETE_SECONDS = 60.0
# Engines with INSERT ... ON CONFLICT DO UPDATE (SQL Server takes the read-then-write path).
UPSERT_VENDORS = ("postgresql", "sqlite")


class DatabaseCache(DjangoDatabaseCache):
    _expired_deleted_at = 0.0
    _table: str  # set by Django's backend; django-stubs leave it out

    def _base_set(self, mode: str, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> bool:
        timeout = self.get_backend_timeout(timeout)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table, key_column, value_column, expires_column = (
            quote_name(name) for name in (self._table, "cache_key", "value", "expires")
        )
        now = tz_now().replace(microsecond=0)
        zone = UTC if settings.USE_TZ else None
        expiry = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=zone)
        expires = connection.ops.adapt_datetimefield_value(expiry.replace(microsecond=0))
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            self._expired_delete(cursor, connection, now)
            if mode == "set" and connection.vendor in UPSERT_VENDORS and not connection.in_atomic_block:
                # One statement that commits itself, where the read-then-write needs four round
                # trips (BEGIN, SELECT, INSERT or UPDATE, COMMIT). Inside a transaction the
                # savepoint below keeps a failed write from breaking the caller's transaction.
                cursor.execute(
                    f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES (%s, %s, %s) "  # noqa: S608
                    f"ON CONFLICT ({key_column}) DO UPDATE "
                    f"SET {value_column} = EXCLUDED.{value_column}, {expires_column} = EXCLUDED.{expires_column}",
                    [key, encoded, expires],
                )
                return True
            try:
                with transaction.atomic(using=db):
                    cursor.execute(f"SELECT {expires_column} FROM {table} WHERE {key_column} = %s", [key])  # noqa: S608 - names quoted by the backend
                    found = cursor.fetchone()
                    if found is not None:
                        current_expires = self._converted_datetime(found[0], connection)
                    if found is not None and mode == "touch":
                        cursor.execute(
                            f"UPDATE {table} SET {expires_column} = %s WHERE {key_column} = %s",  # noqa: S608
                            [expires, key],
                        )
                    elif found is not None and (mode == "set" or (mode == "add" and current_expires < now)):
                        cursor.execute(
                            f"UPDATE {table} SET {value_column} = %s, {expires_column} = %s WHERE {key_column} = %s",  # noqa: S608
                            [encoded, expires, key],
                        )
                    elif mode != "touch" and found is None:
                        cursor.execute(
                            f"INSERT INTO {table} ({key_column}, {value_column}, {expires_column}) VALUES (%s, %s, %s)",  # noqa: S608
                            [key, encoded, expires],
                        )
                    else:
                        return False  # touch of a missing key, or add of a live one
            except DatabaseError:
                return False  # a concurrent writer won: as Django's backend, the write may fail quietly
        return True

    @staticmethod
    def _converted_datetime(value: Any, connection: Any) -> Any:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
            value = converter(value, expression, connection)
        return value

    def _expired_delete(self, cursor: Any, connection: Any, now: datetime) -> None:
        """Delete expired entries, at most once per ``EXPIRED_DELETE_SECONDS`` in this process."""
        started = time.monotonic()
        if started - DatabaseCache._expired_deleted_at < EXPIRED_DELETE_SECONDS:
            return
        DatabaseCache._expired_deleted_at = started
        table, expires_column = connection.ops.quote_name(self._table), connection.ops.quote_name("expires")
        cursor.execute(
            f"DELETE FROM {table} WHERE {expires_column} < %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(now)],
        )
