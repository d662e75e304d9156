"""Cancel pending invitations whose sender is no longer an active admin of the company."""

from django.core.management.base import BaseCommand

from companies.services import invitations_orphaned_cancel


class Command(BaseCommand):
    help = (
        "Cancel every pending invitation whose sender is no longer an active admin of its company "
        "(left from before removal and demotion cancelled them). Safe to run again."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"cancelled {invitations_orphaned_cancel()} invitation(s)")
