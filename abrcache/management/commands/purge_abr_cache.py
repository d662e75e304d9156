"""Delete cached ABR answers: all, the expired ones, or every copy of one ABN's record."""

from django.core.management.base import BaseCommand, CommandError

from abrcache.services import abr_cache_purge


class Command(BaseCommand):
    help = (
        "Delete cache.ABRSearch entries: all of them, only the expired ones (--expired), or "
        "every entry holding an ABN's record (--abn), as the ABR terms require on request."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--expired", action="store_true", help="Only entries past their expiry.")
        which.add_argument("--abn", help="The ABN whose cached copies to delete (11 digits).")

    def handle(self, *args, expired, abn, **options):
        if abn is not None:
            abn = "".join(abn.split())
            if not (abn.isascii() and abn.isdigit() and len(abn) == 11):
                raise CommandError(f"{abn!r} is not an ABN: give its 11 digits.")
        deleted = abr_cache_purge(expired_only=expired, abn=abn)
        self.stdout.write(f"Deleted {deleted} ABR cache {'entry' if deleted == 1 else 'entries'}.")
