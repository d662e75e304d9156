from django.apps import AppConfig


class DatabaseConfig(AppConfig):
    name = "eventlead.db"
    label = "database"
    verbose_name = "Database glue"
