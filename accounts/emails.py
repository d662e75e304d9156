"""The account emails. Links are built on ``FRONTEND_BASE_URL``, never on the request's Host."""

import zoneinfo
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage

from configuration.settings_store import get_setting
from logging_app.models import EmailDelivery, EmailType


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

    # The address the reset was asked from, kept with the token (RequestedIP).
    requested_ip = delivery.auth_event.ip_address if delivery.auth_event else None
    token = password_reset_token_issue(user=delivery.user, requested_ip=requested_ip)
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


# What each security notice says happened, and what to do if it was not the owner.
SECURITY_NOTICES = {
    EmailType.SECURITY_PASSWORD_CHANGED: "Your EventLead password was changed. Every other device was signed out.",
    EmailType.SECURITY_PASSWORD_RESET: "Your EventLead password was reset with a link sent to this address. "
    "Every device was signed out.",
    EmailType.SECURITY_NEW_DEVICE: "Your EventLead account was signed in to from a device or network it has not "
    "used before.",
    EmailType.SECURITY_TOKEN_REUSE: "A sign-in token of your EventLead account was used after it had been replaced, "
    "which can mean someone else holds a copy of it. We signed that device out.",
    EmailType.SECURITY_MFA_ENABLED: "Two-factor authentication was turned on for your EventLead account. Keep your "
    "recovery codes somewhere safe: each one signs you in once if you lose your phone.",
    EmailType.SECURITY_MFA_DISABLED: "Two-factor authentication was turned off for your EventLead account. Signing "
    "in now needs only your password.",
    EmailType.SECURITY_RECOVERY_CODE_USED: "One of your EventLead recovery codes was used to sign in. It will not "
    "work again.",
    EmailType.SECURITY_RECOVERY_CODES_REGENERATED: "New recovery codes were made for your EventLead account. The old "
    "ones no longer work.",
    EmailType.SECURITY_EMAIL_CHANGE_REQUESTED: "Someone signed in to your EventLead account asked to change its email "
    "address. Nothing changes unless the link sent to the new address is followed.",
    EmailType.SECURITY_EMAIL_CHANGED: "The email address of your EventLead account was changed, and every device was "
    "signed out. This address no longer signs in.",
}
UNKNOWN = "unknown"


def _local_time(moment: datetime, timezone_name: str) -> str:
    try:
        zone = zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return f"{local:%d %B %Y, %H:%M} {local.tzname()} ({zone.key})"


def build_security_notice(delivery: EmailDelivery) -> EmailMessage:
    """A security notice: what happened, when, from which IP and device, and a "this wasn't me" link.

    The facts are the auth event's the notice was queued with; the link's token is made now.
    """
    from .services import secure_account_token_issue
    from .sessions import device_label

    event, user = delivery.auth_event, delivery.user
    token = secure_account_token_issue(user=user, sent_to=delivery.recipient_email)
    when = _local_time(event.created_date, user.timezone_identifier) if event else UNKNOWN
    device = device_label(event.user_agent) if event else UNKNOWN
    address = (event.ip_address if event else None) or UNKNOWN
    return _message(
        delivery,
        f"Hello {user.first_name},\n\n{SECURITY_NOTICES[EmailType(delivery.email_type)]}\n\n"
        f"When: {when}\nDevice: {device}\nIP address: {address}\n\n"
        "If this was you, there is nothing to do. If it was not, secure your account now: this link "
        "signs every device out and sends you a link to choose a new password.\n\n"
        f"{frontend_link('secure-account', token=token)}\n\n"
        "The link works once.\n",
    )


def build_email_change_confirm(delivery: EmailDelivery) -> EmailMessage:
    """The link that moves the account to the address this email went to.

    No name in the greeting: a mistyped address is a stranger's mailbox.
    """
    from .lifecycle import email_change_token_issue

    token = email_change_token_issue(user=delivery.user, new_email=delivery.recipient_email)
    hours = get_setting("auth.email_verification_hours")
    return _message(
        delivery,
        "Hello,\n\nSomeone signed in to an EventLead account asked to use this address as its email "
        "address. If it was you, confirm the change here:\n\n"
        f"{frontend_link('confirm-email-change', token=token)}\n\n"
        f"The link works once and expires in {hours} hours. Confirming signs the account out of every "
        "device. If you did not ask for this, ignore this email: nothing changes.\n",
    )


def build_email_change_address_taken(delivery: EmailDelivery) -> EmailMessage:
    """The notice sent instead of the link when the address already has an account.

    Its builder stores a token as the link's does, never sent, so that the requester's rows (and
    their export) do not tell the two cases apart.
    """
    from .lifecycle import email_change_token_issue

    email_change_token_issue(user=delivery.user, new_email=delivery.recipient_email)
    return _message(
        delivery,
        "Hello,\n\nSomeone signed in to an EventLead account asked to use this address as its email "
        "address. This address already belongs to an EventLead account, so nothing was changed.\n\n"
        "If it was you, sign in with this address instead, or reset its password here:\n\n"
        f"{frontend_link('forgot-password', email=delivery.recipient_email)}\n\n"
        "If it was not you, you can ignore this email.\n",
    )
