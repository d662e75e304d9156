"""``manage.py verify_database``: the design document's Phase 4, on any engine."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections

from eventlead.core.devtools import missing_dev_tool
from eventlead.db import catalogue
from eventlead.db.checks.live import UNNAMED_INLINE, names_inline_constraints
from eventlead.db.checks.report import OK, Result, render_results
from eventlead.db.checks.verification import verify_database, verify_structure
from eventlead.db.docs import SQLSERVER_SCRIPT_PATH

OFFLINE_NOTE = (
    "Offline, only the structure is verified (tables, columns, constraint and index names): "
    "foreign keys and unique constraints enforced, and seed row counts, need a server and rows."
)


class Command(BaseCommand):
    help = (
        "Check the live database against the table catalogue: tables per schema, columns, "
        "foreign keys and unique constraints enforced (by inserts that are rolled back), "
        "constraint and index names, seed row counts. With --sqlserver-script, check instead "
        "the database the SQL Server script builds, read offline: its structure only. "
        "Exits 1 on any failure."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias to verify.")
        parser.add_argument(
            "--sqlserver-script",
            nargs="?",
            const=str(SQLSERVER_SCRIPT_PATH),
            metavar="PATH",
            help=(
                "Verify, without a server, the SQL Server database this script builds on an empty "
                f"database (default {SQLSERVER_SCRIPT_PATH.relative_to(settings.BASE_DIR)}) instead of --database: "
                "tables, columns and constraint and index names, as SQL Server's catalog would list them. "
                "The checks that insert or count rows are not run."
            ),
        )

    def handle(self, *args: Any, database: str, sqlserver_script: str | None, **options: Any) -> None:
        results, note = self._verify_script(sqlserver_script) if sqlserver_script else self._verify_live(database)
        self.stdout.write(render_results(results))
        if note:
            self.stdout.write(f"\nNote: {note}")
        failures = [r for r in results if r.failed]
        passed = sum(1 for r in results if r.result == OK)
        self.stdout.write(f"\n{passed} passed, {len(failures)} failed.")
        if failures:
            raise CommandError(f"verify_database: {len(failures)} check(s) failed.")

    def _verify_live(self, database: str) -> tuple[list[Result], str | None]:
        connection = connections[database]
        self.stdout.write(f"Verifying database '{database}' ({connection.vendor}) against the catalogue.\n")
        results = verify_database(database, catalogue.CATALOGUE)
        if names_inline_constraints(connection):
            return results, None
        return results, f"{UNNAMED_INLINE}; those are matched by their columns."

    def _verify_script(self, path: str) -> tuple[list[Result], str]:
        """Verify the structure of the database the script at ``path`` builds; it has no rows."""
        try:
            from eventlead.db.sqlserver import script_database
        except ModuleNotFoundError as error:
            raise missing_dev_tool("verify_database --sqlserver-script", error) from error
        with script_database(Path(path).read_text(encoding="utf-8")) as connection:
            self.stdout.write(f"Verifying the SQL Server script {path} (offline) against the catalogue.\n")
            return verify_structure(connection, catalogue.CATALOGUE), OFFLINE_NOTE
