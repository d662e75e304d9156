"""Writes to the ``log`` schema: auth events and email deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from email.utils import make_msgid
from typing import TYPE_CHECKING

from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from eventlead.core import context

from .models import AuthEvent, EmailDelivery, EmailStatus

if TYPE_CHECKING:
    from accounts.models import User
    from companies.models import UserInvitation

logger = logging.getLogger(__name__)

# Builders turn a delivery row into a message; registered by the apps that send email.
# A builder makes any one-time token at build time, so no token is ever stored in a log
# row and a retried delivery carries a fresh link.
MessageBuilder = Callable[[EmailDelivery], EmailMessage]
_builders: dict[str, MessageBuilder] = {}


def register_email_builder(email_type: str, builder: MessageBuilder) -> None:
    _builders[email_type] = builder


def auth_event_record(
    *, event_type: str, user: User | None = None, email: str = "", failure_reason: str = ""
) -> AuthEvent:
    ctx = context.current()
    return AuthEvent.objects.create(
        event_type=event_type,
        user=user,
        email=email or (user.email if user else ""),
        failure_reason=failure_reason,
        ip_address=ctx.ip_address,
        user_agent=ctx.user_agent,
        request_id=ctx.request_id,
    )


def email_queue(
    *,
    email_type: str,
    recipient: str,
    subject: str,
    user: User | None = None,
    invitation: UserInvitation | None = None,
) -> EmailDelivery:
    """Record a message as queued and send it once the surrounding transaction commits.

    A rolled-back request sends nothing; an SMTP failure leaves the row ``failed`` for
    ``send_pending_emails`` to retry, and never fails the request.
    """
    delivery = EmailDelivery.objects.create(
        email_type=email_type, recipient_email=recipient, subject=subject, user=user, user_invitation=invitation
    )
    transaction.on_commit(lambda: email_deliver(delivery.pk))
    return delivery


def email_deliver(delivery_id: int) -> bool:
    """Claim the delivery, build and send it; record the outcome. Return True when sent.

    The claim is a conditional update on ``AttemptCount``, so two processes retrying the
    same row cannot both send it.
    """
    delivery = EmailDelivery.objects.filter(pk=delivery_id).exclude(status=EmailStatus.SENT).first()
    if delivery is None:
        return False
    claimed = (
        EmailDelivery.objects.filter(pk=delivery.pk, attempt_count=delivery.attempt_count)
        .exclude(status=EmailStatus.SENT)
        .update(attempt_count=F("attempt_count") + 1)
    )
    if not claimed:
        return False
    try:
        message = _builders[delivery.email_type](delivery)
        message.to = [delivery.recipient_email]
        # Django only adds a Message-ID while sending; set it here to record it.
        message.extra_headers.setdefault("Message-ID", make_msgid(domain=DNS_NAME))
        sent = message.send(fail_silently=False)
        if not sent:
            raise RuntimeError("the mail backend accepted no message")
    except Exception as error:  # noqa: BLE001 - any mail failure is recorded, never raised
        logger.warning("Email %s (%s) failed: %s", delivery.pk, delivery.email_type, error)
        EmailDelivery.objects.filter(pk=delivery.pk).update(
            status=EmailStatus.FAILED, error_message=f"{type(error).__name__}: {error}"[:2000]
        )
        return False
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=EmailStatus.SENT,
        sent_at=timezone.now(),
        error_message="",
        provider_message_id=message.extra_headers.get("Message-ID", ""),
    )
    return True
