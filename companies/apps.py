from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "companies"

    def ready(self):
        from logging_app.models import EmailType
        from logging_app.services import register_email_builder

        from .emails import build_invitation

        register_email_builder(EmailType.INVITATION, build_invitation)
