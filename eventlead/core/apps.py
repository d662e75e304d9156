from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "eventlead.core"
    label = "core"

    def ready(self) -> None:
        from eventlead.core.seed import seed_after_migrate

        # post_migrate is sent once per app; listening only to this one seeds once per migrate.
        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="eventlead.core.seed")
