from django.apps import AppConfig


class AbrcacheConfig(AppConfig):
    name = "abrcache"
