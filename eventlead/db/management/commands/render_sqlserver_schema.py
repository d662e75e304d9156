"""``manage.py render_sqlserver_schema``: write the SQL Server script of every migration."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from eventlead.core.devtools import missing_dev_tool
from eventlead.db.docs import SQLSERVER_SCRIPT_PATH as SCRIPT_PATH


class Command(BaseCommand):
    help = "Write the T-SQL of every migration, rendered by the SQL Server backend without a server."
    # Like migrate and sqlmigrate, it reads migrations only; a system check about, say, the
    # admin has no bearing on the script.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default=str(SCRIPT_PATH),
            help=f"File to write, '-' for standard output (default: {SCRIPT_PATH}).",
        )

    def handle(self, *args: Any, output: str, **options: Any) -> None:
        try:
            from eventlead.db.sqlserver import render_script
        except ModuleNotFoundError as error:
            raise missing_dev_tool("render_sqlserver_schema", error) from error
        script = render_script()
        if output == "-":
            self.stdout.write(script, ending="")
            return
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(script, encoding="utf-8", newline="\n")
        self.stdout.write(f"Wrote {path}")
