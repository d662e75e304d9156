"""``manage.py audit_schema``: the naming standard's violations in the models and database."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from eventlead.core.devtools import missing_dev_tool
from eventlead.db.checks.declared import framework_tables, project_models
from eventlead.db.checks.live import UNNAMED_INLINE
from eventlead.db.checks.report import listing, render_table
from eventlead.db.checks.standards import Violation, audit_database, audit_models
from eventlead.db.docs import SQLSERVER_SCRIPT_PATH


class Command(BaseCommand):
    help = (
        "Report every breach of the naming standard (tables.md) in the project's models and, "
        "with --database, in the live database; with --sqlserver-script, in the database the "
        "SQL Server script builds, read offline. Exits 1 when there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database",
            nargs="?",
            const=DEFAULT_DB_ALIAS,
            metavar="ALIAS",
            help=f"Also audit the live database (alias, default '{DEFAULT_DB_ALIAS}').",
        )
        parser.add_argument(
            "--sqlserver-script",
            nargs="?",
            const=str(SQLSERVER_SCRIPT_PATH),
            metavar="PATH",
            help=(
                "Also audit, without a server, the SQL Server database this script builds on an empty "
                f"database (default {SQLSERVER_SCRIPT_PATH.relative_to(settings.BASE_DIR)}): its tables, columns, "
                "constraints, indexes and DEFAULT constraints, as SQL Server's catalog would list them."
            ),
        )

    def handle(self, *args: Any, database: str | None, sqlserver_script: str | None, **options: Any) -> None:
        models = project_models()
        violations = audit_models(models)
        self.stdout.write(f"Models: {len(models)} tables audited.")
        framework = listing(framework_tables())
        self.stdout.write(f"Framework tables (Django and installed packages, not audited): {framework}.")
        if database:
            connection = connections[database]
            violations += self._audit(connection, f"Database '{database}' ({connection.vendor})")
        if sqlserver_script:
            try:
                from eventlead.db.sqlserver import script_database
            except ModuleNotFoundError as error:
                raise missing_dev_tool("audit_schema --sqlserver-script", error) from error
            with script_database(Path(sqlserver_script).read_text(encoding="utf-8")) as connection:
                violations += self._audit(connection, f"SQL Server script {sqlserver_script} (offline)")
        if not violations:
            self.stdout.write("No violations.")
            return
        rows = [(v.target, v.rule, v.detail) for v in violations]
        self.stdout.write(render_table(rows, ("target", "rule", "detail")))
        raise CommandError(f"audit_schema: {len(violations)} violation(s) of the naming standard.")

    def _audit(self, connection: BaseDatabaseWrapper, source: str) -> list[Violation]:
        live = audit_database(connection)
        if live.names is None:
            names = f"constraint names not checked: {UNNAMED_INLINE}."
        else:
            names = f"{live.names} constraint and index names audited."
        self.stdout.write(f"{source}: {live.tables} tables audited; {names}")
        return live.violations
