"""``manage.py verify_database``: the design document's Phase 4, on any engine."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from eventlead.db import catalogue
from eventlead.db.checks.live import UNNAMED_INLINE, names_inline_constraints
from eventlead.db.checks.report import OK, render_results
from eventlead.db.checks.verification import verify_database


class Command(BaseCommand):
    help = (
        "Check the live database against the table catalogue: tables per schema, columns, "
        "foreign keys and unique constraints enforced (by inserts that are rolled back), "
        "constraint and index names, seed row counts. Exits 1 on any failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias to verify.")

    def handle(self, *args, database, **options):
        connection = connections[database]
        self.stdout.write(f"Verifying database '{database}' ({connection.vendor}) against the catalogue.\n")
        results = verify_database(database, catalogue.CATALOGUE)
        self.stdout.write(render_results(results))
        if not names_inline_constraints(connection):
            self.stdout.write(f"\nNote: {UNNAMED_INLINE}; those are matched by their columns.")
        failures = [r for r in results if r.failed]
        passed = sum(1 for r in results if r.result == OK)
        self.stdout.write(f"\n{passed} passed, {len(failures)} failed.")
        if failures:
            raise CommandError(f"verify_database: {len(failures)} check(s) failed.")
