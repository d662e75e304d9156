from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from logging_app.models import EmailType
        from logging_app.services import register_email_builder

        from . import emails, schema  # noqa: F401 - schema registers the OpenAPI auth extension

        register_email_builder(EmailType.EMAIL_VERIFICATION, emails.build_email_verification)
        register_email_builder(EmailType.SIGNUP_EXISTING_ACCOUNT, emails.build_signup_existing_account)
        register_email_builder(EmailType.PASSWORD_RESET, emails.build_password_reset)
        register_email_builder(EmailType.ACCOUNT_LOCKED, emails.build_account_locked)
        register_email_builder(EmailType.EMAIL_CHANGE_CONFIRM, emails.build_email_change_confirm)
        register_email_builder(EmailType.EMAIL_CHANGE_ADDRESS_TAKEN, emails.build_email_change_address_taken)
        for email_type in emails.SECURITY_NOTICES:
            register_email_builder(email_type, emails.build_security_notice)
