from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender: AppConfig, *, using: str, verbosity: int = 1, **kwargs: Any) -> None:
    """Create the database cache table (throttle counters) with every ``migrate``.

    Django leaves it to ``createcachetable``; forgetting that made every throttled endpoint
    fail on a fresh database. The command does nothing when the table exists.
    """
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=max(verbosity - 1, 0))


class DatabaseConfig(AppConfig):
    name = "eventlead.db"
    label = "database"
    verbose_name = "Database glue"

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="create-cache-table")
