"""Mark pending invitations past their expiry as expired (reads already treat them so)."""

from django.core.management.base import BaseCommand

from companies.invitations import invitations_expire


class Command(BaseCommand):
    help = "Mark every pending invitation past its expiry as expired."

    def handle(self, *args, **options):
        self.stdout.write(f"expired {invitations_expire()} invitation(s)")
