"""Retry email deliveries that failed or were never sent."""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from logging_app.models import EmailDelivery, EmailStatus
from logging_app.services import email_deliver


class Command(BaseCommand):
    help = "Send queued and failed emails (each at most once more per run)."

    def add_arguments(self, parser):
        parser.add_argument("--max-attempts", type=int, default=10)
        parser.add_argument(
            "--min-age-seconds",
            type=int,
            default=30,
            help="Leave rows this young alone: their request may still be sending them.",
        )

    def handle(self, *args, max_attempts, min_age_seconds, **options):
        cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
        pending = (
            EmailDelivery.objects.filter(
                status__in=[EmailStatus.QUEUED, EmailStatus.FAILED],
                attempt_count__lt=max_attempts,
                created_date__lte=cutoff,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        sent = failed = 0
        for delivery_id in pending.iterator():
            if email_deliver(delivery_id):
                sent += 1
            else:
                failed += 1
        self.stdout.write(f"sent {sent}, failed {failed}")
