from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "eventlead.core"
    label = "core"
