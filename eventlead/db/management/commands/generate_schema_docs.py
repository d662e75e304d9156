"""``manage.py generate_schema_docs``: write docs/database from the models, or check it is current."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from eventlead.db import docs


class Command(BaseCommand):
    help = "Generate the schema reference and ER diagrams (docs/database) from the models."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "docs" / "database",
            help="Directory to write into (default: docs/database).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Write nothing; list the stale files and exit 1 if there are any."
        )

    def handle(self, *, output: Path, check: bool, **options: Any) -> None:
        documents = docs.render_documents()
        if check:
            stale = docs.stale_files(documents, output)
            if stale:
                listing = "\n".join(f"  {output / relative}" for relative in stale)
                raise CommandError(f"Stale schema docs; run `{docs.REGENERATE}`:\n{listing}", returncode=1)
            self.stdout.write(f"Schema docs in {output} are up to date.")
            return
        written = docs.write_documents(documents, output)
        for relative in written:
            self.stdout.write(f"Wrote {output / relative}")
        self.stdout.write(f"{len(documents)} files, {len(written)} changed.")
