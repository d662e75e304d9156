"""Exports of the log and audit tables: CSV or JSON Lines, streamed in constant memory.

The back office exports the changelist an admin is looking at (its filters, date drill-down
and search); ``manage.py export_audit`` exports a date range of an audit table for scheduled
compliance extracts. Both read the rows with ``QuerySet.iterator()``, which on PostgreSQL is a
server-side cursor and elsewhere ``fetchmany`` in chunks, and write each row as it arrives:
a million rows never sit in memory together (``bench/export_memory.py`` measures it). Every
export is recorded in ``audit.ActivityLog``: who exported which table, in which format, with
which filters.

Columns are the table's own (``docs/database``), named as the catalogue names them, so an
extract reads the same as the table does in SQL. A cell that a spreadsheet would run as a
formula (it begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is written with
a leading apostrophe: log rows hold what clients sent, and a user agent is not trusted input
(OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import models

EXPORTED_SCHEMAS = ("log.", "audit.")
# Rows fetched from the database per round trip.
CHUNK_SIZE = 2000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Query parameters that do not choose rows: the changelist's ordering and page.
NOT_FILTERS = frozenset({"o", "p", "format"})
FILENAME_PART_MAX = 120


@dataclass(frozen=True)
class ExportFormat:
    name: str
    extension: str
    content_type: str


FORMATS: Mapping[str, ExportFormat] = {
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8"),
    "jsonl": ExportFormat("jsonl", "jsonl", "application/x-ndjson"),
}


@dataclass(frozen=True)
class Column:
    name: str  # the column's name in the catalogue, e.g. "UserID"
    attname: str  # what values_list() reads, e.g. "user_id"


def exportable(model: type[models.Model]) -> bool:
    """The log and audit tables are exported; the tables of the product's own data are not."""
    return str(model._meta.db_table).startswith(EXPORTED_SCHEMAS)


def table_columns(model: type[models.Model]) -> list[Column]:
    """Every column of ``model``'s table: its id, then the others in declaration order (a reference as its id).

    Log and audit rows hold no secret: they are redacted when written (``eventlead.core.redaction``,
    ``auditing.services.SECRET_FIELDS``).
    """
    fields = sorted(model._meta.concrete_fields, key=lambda field: not field.primary_key)  # the id first
    return [Column(field.column, field.attname) for field in fields]


def rows_of(queryset: models.QuerySet[Any], columns: list[Column]) -> Iterator[tuple[Any, ...]]:
    """The queryset's rows as value tuples, fetched ``CHUNK_SIZE`` at a time."""
    return queryset.values_list(*(column.attname for column in columns)).iterator(chunk_size=CHUNK_SIZE)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        value = orjson.dumps(value).decode()
    elif isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Line:
    """A file-like object whose ``write`` returns what it was given, for ``csv.writer``."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: list[Column], rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    """A header line, then one CSV line per row."""
    writer = csv.writer(_Line())
    yield writer.writerow([column.name for column in columns])
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def _json_default(value: Any) -> Any:
    # orjson writes datetimes, dates and UUIDs itself; what remains is an IP address object or a Decimal.
    return str(value)


def jsonl_lines(columns: list[Column], rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    """One JSON object per row and line, keyed by column name."""
    names = [column.name for column in columns]
    for row in rows:
        yield orjson.dumps(dict(zip(names, row, strict=True)), default=_json_default) + b"\n"


def lines(export_format: ExportFormat, columns: list[Column], rows: Iterable[tuple[Any, ...]]) -> Iterator[bytes]:
    """The export's lines as UTF-8 bytes, each ending with its line break."""
    if export_format.name == "csv":
        return (line.encode() for line in csv_lines(columns, rows))
    return jsonl_lines(columns, rows)


def _filename_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:FILENAME_PART_MAX]


def export_filename(
    model: type[models.Model], filters: Mapping[str, str], export_format: ExportFormat, now: datetime.datetime
) -> str:
    """``log.ApiRequest_status_class-5_q-login_20261203T0730Z.csv``: the table, each filter, the time."""
    parts = [str(model._meta.db_table)]
    for key, value in sorted(filters.items()):
        if value == "":
            continue  # an empty filter chooses nothing
        parts.append("-".join(part for part in (_filename_part(key), _filename_part(value)) if part))
    parts.append(now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%MZ"))
    return "_".join(part for part in parts if part) + "." + export_format.extension


def export_record(
    *,
    model: type[models.Model],
    export_format: ExportFormat,
    filters: Mapping[str, str],
    actor: Any = None,
    via: str,
) -> None:
    """Write who exported what, with which filters, to ``audit.ActivityLog``."""
    from auditing.services import activity_record

    table = str(model._meta.db_table)
    activity_record(
        action="export",
        entity=str(model._meta.object_name),
        actor=actor,
        description=f"Exported {table} as {export_format.name} ({via})",
        new_values={"table": table, "format": export_format.name, "filters": dict(filters), "via": via},
    )
