"""Delete ``log`` rows older than the retention period, in small batches. Audit rows are never touched."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from logging_app.models import ApiRequest, ApplicationError, AuthEvent, EmailDelivery

LOG_MODELS = (ApiRequest, AuthEvent, ApplicationError, EmailDelivery)


def purge(rows: QuerySet, *, batch_size: int) -> int:
    """Delete ``rows``, ``batch_size`` at a time, each batch its own transaction.

    Short transactions keep each lock brief, so a large purge does not block the writers.
    """
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(rows.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            deleted += rows.model.objects.filter(pk__in=ids).delete()[0]


class Command(BaseCommand):
    help = "Delete log.* rows older than --days (default LOG_RETENTION_DAYS, 90). Audit rows are kept."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.LOG_RETENTION_DAYS)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, days, batch_size, **options):
        before = timezone.now() - timedelta(days=days)
        for model in LOG_MODELS:
            count = purge(model.objects.filter(created_date__lt=before), batch_size=batch_size)
            self.stdout.write(f"{model._meta.db_table}: deleted {count}")
