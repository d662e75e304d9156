"""Delete sessions that ended or expired more than --days ago, in small batches.

The devices an account is known by (``dbo.UserKnownDevice``) are kept: they are what tells a
sign-in from a new device apart, however old the session that first used it.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from accounts.models import UserSession
from logging_app.management.commands.purge_logs import purge


class Command(BaseCommand):
    help = "Delete dbo.UserSession rows that ended or expired more than --days ago (default 90)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, days, batch_size, **options):
        before = timezone.now() - timedelta(days=days)
        finished = UserSession.objects.filter(Q(ended_at__lt=before) | Q(expires_at__lt=before))
        count = purge(finished, batch_size=batch_size)
        self.stdout.write(f"{UserSession._meta.db_table}: deleted {count}")
