"""``manage.py render_sqlserver_schema``: write the SQL Server script of every migration."""

from pathlib import Path

from django.core.management.base import BaseCommand

from eventlead.db.sqlserver import SCRIPT_PATH, render_script


class Command(BaseCommand):
    help = "Write the T-SQL of every migration, rendered by the SQL Server backend without a server."
    # Like migrate and sqlmigrate, it reads migrations only; a system check about, say, the
    # admin has no bearing on the script.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(SCRIPT_PATH),
            help=f"File to write, '-' for standard output (default: {SCRIPT_PATH}).",
        )

    def handle(self, *args, output, **options):
        script = render_script()
        if output == "-":
            self.stdout.write(script, ending="")
            return
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script, encoding="utf-8", newline="\n")
        self.stdout.write(f"Wrote {path}")
