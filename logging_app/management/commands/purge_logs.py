"""Delete ``log`` rows older than the retention period, in small batches. Audit rows are never touched."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone


def log_models():
    """Every table of the ``log`` schema, a new one included without a change here."""
    return [
        model for model in apps.get_app_config("logging_app").get_models() if model._meta.db_table.startswith("log.")
    ]


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
        for model in log_models():
            count = purge(model.objects.filter(created_date__lt=before), batch_size=batch_size)
            self.stdout.write(f"{model._meta.db_table}: deleted {count}")
