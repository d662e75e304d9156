"""The account emails. Links are built on ``FRONTEND_BASE_URL``, never on the request's Host."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage

from configuration.settings_store import get_setting
from logging_app.models import EmailDelivery


def frontend_link(path: str, **query) -> str:
    return f"{settings.FRONTEND_BASE_URL}/{path.lstrip('/')}?{urlencode(query)}"


def _message(delivery: EmailDelivery, body: str) -> EmailMessage:
    return EmailMessage(subject=delivery.subject, body=body, from_email=get_setting("email.from_address"))


def build_email_verification(delivery: EmailDelivery) -> EmailMessage:
    from .services import email_verification_token_issue

    token = email_verification_token_issue(user=delivery.user)
    hours = get_setting("auth.email_verification_hours")
    return _message(
        delivery,
        f"Hello {delivery.user.first_name},\n\n"
        f"Confirm your email address to finish creating your EventLead account:\n\n"
        f"{frontend_link('verify-email', token=token)}\n\n"
        f"The link works once and expires in {hours} hours. If you did not sign up, ignore this email.\n",
    )


def build_signup_existing_account(delivery: EmailDelivery) -> EmailMessage:
    return _message(
        delivery,
        "Hello,\n\nSomeone tried to create an EventLead account with this email address, which "
        "already has one. If it was you, sign in or reset your password:\n\n"
        f"{frontend_link('forgot-password', email=delivery.recipient_email)}\n\n"
        "If it was not you, you can ignore this email: nothing has changed.\n",
    )


def build_password_reset(delivery: EmailDelivery) -> EmailMessage:
    from .services import password_reset_token_issue

    token = password_reset_token_issue(user=delivery.user)
    minutes = get_setting("auth.password_reset_minutes")
    return _message(
        delivery,
        f"Hello {delivery.user.first_name},\n\nReset your EventLead password here:\n\n"
        f"{frontend_link('reset-password', token=token)}\n\n"
        f"The link works once and expires in {minutes} minutes. If you did not ask for it, ignore this email.\n",
    )


def build_account_locked(delivery: EmailDelivery) -> EmailMessage:
    minutes = get_setting("security.lockout_minutes")
    return _message(
        delivery,
        f"Hello {delivery.user.first_name},\n\nYour EventLead account was locked for {minutes} minutes "
        "after too many failed sign-in attempts. If that was not you, reset your password:\n\n"
        f"{frontend_link('forgot-password', email=delivery.recipient_email)}\n",
    )
