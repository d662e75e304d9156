from django.apps import AppConfig


class LoggingAppConfig(AppConfig):
    name = "logging_app"
    verbose_name = "Logs"

    def ready(self):
        from django.core.signals import got_request_exception

        from .errors import record_unhandled_exception

        got_request_exception.connect(record_unhandled_exception, dispatch_uid="log-application-error")
