"""``manage.py audit_schema``: the naming standard's violations in the models and database."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from eventlead.db.checks.declared import framework_tables, project_models
from eventlead.db.checks.live import UNNAMED_INLINE
from eventlead.db.checks.report import listing, render_table
from eventlead.db.checks.standards import audit_database, audit_models


class Command(BaseCommand):
    help = (
        "Report every breach of the naming standard (tables.md) in the project's models and, "
        "with --database, in the live database. Exits 1 when there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            nargs="?",
            const=DEFAULT_DB_ALIAS,
            metavar="ALIAS",
            help=f"Also audit the live database (alias, default '{DEFAULT_DB_ALIAS}').",
        )

    def handle(self, *args, database, **options):
        models = project_models()
        violations = audit_models(models)
        self.stdout.write(f"Models: {len(models)} tables audited.")
        framework = listing(framework_tables())
        self.stdout.write(f"Framework tables (Django and installed packages, not audited): {framework}.")
        if database:
            live = audit_database(connections[database])
            vendor = connections[database].vendor
            if live.names is None:
                names = f"constraint names not checked: {UNNAMED_INLINE}."
            else:
                names = f"{live.names} constraint and index names audited."
            self.stdout.write(f"Database '{database}' ({vendor}): {live.tables} tables audited; {names}")
            violations += live.violations
        if not violations:
            self.stdout.write("No violations.")
            return
        rows = [(v.target, v.rule, v.detail) for v in violations]
        self.stdout.write(render_table(rows, ("target", "rule", "detail")))
        raise CommandError(f"audit_schema: {len(violations)} violation(s) of the naming standard.")
