"""Re-drive email deliveries that failed or were never sent, now, in this process.

The worker (``manage.py db_worker``) sends every message and retries failures on its own
(``logging_app.services.email_attempt``). This command is for what it leaves behind: messages it
gave up on after ``EMAIL_MAX_ATTEMPTS`` (once the relay is fixed), and a message whose worker
died while sending it (once its claim has expired). Each message goes through the same claim
as the worker's attempts, so one being sent elsewhere is left alone and none is sent twice.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from logging_app.models import EmailDelivery, EmailStatus
from logging_app.services import DeliveryOutcome, email_deliver


class Command(BaseCommand):
    help = "Send queued and failed emails now (each at most once more per run)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=10,
            help="Leave rows that have had this many attempts alone (the worker gives up after 8).",
        )
        parser.add_argument(
            "--min-age-seconds",
            type=int,
            default=30,
            help="Leave rows this young alone: the worker has them in hand.",
        )

    def handle(self, *args, max_attempts, min_age_seconds, **options):
        now = timezone.now()
        pending = (
            EmailDelivery.objects.filter(
                status__in=[EmailStatus.QUEUED, EmailStatus.FAILED],
                attempt_count__lt=max_attempts,
                created_date__lte=now - timedelta(seconds=min_age_seconds),
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        outcomes = [email_deliver(delivery_id) for delivery_id in pending.iterator()]
        sent, failed = outcomes.count(DeliveryOutcome.SENT), outcomes.count(DeliveryOutcome.FAILED)
        report = f"sent {sent}, failed {failed}"
        if skipped := len(outcomes) - sent - failed:
            report += f", left {skipped} that another process was sending or had sent"
        self.stdout.write(report)
