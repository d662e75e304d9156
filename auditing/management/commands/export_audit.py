"""Export a date range of an audit table as CSV or JSON Lines, for scheduled compliance extracts.

The same export as the back office's "Export" links (``eventlead.backoffice.exports``): rows
streamed from the database to the file in constant memory, every column but secrets, and the
export recorded in ``audit.ActivityLog``.
"""

from __future__ import annotations

import contextlib
import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from auditing.models import ActivityLog, AuditCompany, AuditRole, AuditUser
from eventlead.backoffice import exports

# --table: the audit table and its date column.
TABLES = {
    "activity": (ActivityLog, "created_date"),
    "user": (AuditUser, "changed_date"),
    "company": (AuditCompany, "changed_date"),
    "role": (AuditRole, "changed_date"),
}
MESSAGE_BAD_MOMENT = "{option} must be a date (2026-12-01) or a date and time with its offset (2026-12-01T09:00+11:00)."
MESSAGE_EMPTY_RANGE = "--since must be before --until."


def moment(value: str, option: str) -> datetime.datetime:
    """A date (its midnight in the project's time zone) or an ISO date and time."""
    try:
        parsed = parse_datetime(value)
        if parsed is None and (day := parse_date(value)) is not None:
            parsed = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(MESSAGE_BAD_MOMENT.format(option=option))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = (
        "Write the rows of an audit table from --since (inclusive) until --until (exclusive, default now) "
        "as CSV or JSON Lines, to --output or standard output. The export is recorded in audit.ActivityLog."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="a date or an ISO date and time")
        parser.add_argument("--until", help="a date or an ISO date and time (default: now)")
        parser.add_argument("--format", choices=sorted(exports.FORMATS), default="csv")
        parser.add_argument("--table", choices=sorted(TABLES), default="activity")
        parser.add_argument("--output", help="a file to write (default: standard output)")

    def handle(self, *args, since, until, format, table, output, **options):
        start = moment(since, "--since")
        end = moment(until, "--until") if until else timezone.now()
        if start >= end:
            raise CommandError(MESSAGE_EMPTY_RANGE)
        model, date_field = TABLES[table]
        export_format = exports.FORMATS[format]
        rows_in_range = model.objects.filter(**{f"{date_field}__gte": start, f"{date_field}__lt": end}).order_by("id")
        filters = {"since": start.isoformat(), "until": end.isoformat()}
        exports.export_record(model=model, export_format=export_format, filters=filters, via="manage.py export_audit")
        columns = exports.table_columns(model)
        lines = exports.lines(export_format, columns, exports.rows_of(rows_in_range, columns))
        count = self._write(lines, output)
        # The header line of a CSV file is not a row.
        rows = count - 1 if export_format.name == "csv" else count
        self.stderr.write(f"{model._meta.db_table}: exported {rows} rows as {format}")

    def _write(self, lines, output) -> int:
        count = 0
        with open(output, "wb") if output else contextlib.nullcontext(sys.stdout.buffer) as file:
            for line in lines:
                file.write(line)
                count += 1
            file.flush()
        return count
