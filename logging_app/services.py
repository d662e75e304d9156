"""Writes to the ``log`` schema: auth events and email deliveries.

Email goes through a queue. A request records the message (``email_queue``) and enqueues the
``email_send`` task (``logging_app/tasks.py``); a worker process (``manage.py db_worker``) sends
it. No request talks to the mail relay, so a slow relay cannot show, in the time a response
takes, which addresses have an account (issue 13, finding 2).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import make_msgid
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks_db import DatabaseBackend

from eventlead.core import context
from eventlead.core.redaction import redact_text

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


# The worker's retry policy: after the n-th failed attempt, the next one waits 30 s x 2^(n-1),
# at most an hour (30 s, 1, 2, 4, 8, 16, 32 min); after the 8th the row stays ``failed`` (about
# an hour of trying) for send_pending_emails to re-drive.
EMAIL_MAX_ATTEMPTS = 8
EMAIL_RETRY_FIRST_DELAY = timedelta(seconds=30)
EMAIL_RETRY_MAX_DELAY = timedelta(hours=1)
# How long a claim keeps everyone else off a message: far longer than a send can take (each
# SMTP step gives up after EMAIL_TIMEOUT, 10 s by default), so only a process that died while
# sending leaves a claim to expire.
EMAIL_CLAIM_DURATION = timedelta(minutes=10)


class DeliveryOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    # Another process holds the message: it claimed this attempt first, or is sending it now.
    BUSY = "busy"
    # Nothing to send: the message went out already, or its row is gone (purge_logs).
    SKIPPED = "skipped"


def register_email_builder(email_type: str, builder: MessageBuilder) -> None:
    _builders[email_type] = builder


_email_address = EmailValidator()


def loggable_email(value: str) -> str:
    """Return ``value`` when it is an email address that fits the column, else an empty string.

    Sign-in forms take whatever was typed as the address, and people type their password
    there; logging it would store a password in plain text (issue 13, finding 5).
    """
    max_length = AuthEvent._meta.get_field("email").max_length or 0
    try:
        _email_address(value)
    except ValidationError:
        return ""
    return value if len(value) <= max_length else ""


def auth_event_record(
    *, event_type: str, user: User | None = None, email: str = "", failure_reason: str = ""
) -> AuthEvent:
    """Record an authentication event.

    ``email`` is what was typed, kept only when it is an address (``loggable_email``); without
    it, the event carries the account's own address.
    """
    ctx = context.current()
    return AuthEvent.objects.create(
        event_type=event_type,
        user=user,
        email=loggable_email(email) if email else (user.email if user else ""),
        failure_reason=redact_text(failure_reason),
        ip_address=ctx.ip_address,
        user_agent=redact_text(ctx.user_agent),
        request_id=ctx.request_id,
    )


def email_queue(
    *,
    email_type: str,
    recipient: str,
    subject: str,
    user: User | None = None,
    invitation: UserInvitation | None = None,
    auth_event: AuthEvent | None = None,
) -> EmailDelivery:
    """Record a message as queued and enqueue its sending; the caller never waits for the relay.

    With the database task backend the task row is written in the same transaction as the
    delivery row, so both are committed or neither is: a rolled-back request sends nothing, and
    a committed message always has a task. An SMTP failure is retried by the worker and never
    fails the request.
    """
    # Inside a request's transaction, no savepoint: nothing is sent to the database but the rows.
    with transaction.atomic(savepoint=False):
        delivery = EmailDelivery.objects.create(
            email_type=email_type,
            recipient_email=recipient,
            subject=subject,
            user=user,
            user_invitation=invitation,
            auth_event=auth_event,
        )
        _email_enqueue(delivery.pk)
    return delivery


def _email_enqueue(delivery_id: int, *, run_after: datetime | None = None) -> None:
    """Enqueue ``email_send`` for the delivery, at ``run_after`` when given."""
    from .tasks import email_send

    task = email_send if run_after is None else email_send.using(run_after=run_after)
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(delivery_id)
    else:
        # A backend outside this database (the in-process one of the test settings runs the
        # task at once) gets the task only after commit, when the delivery row is there to read.
        # Should the hand-over fail, the row stays queued for send_pending_emails.
        transaction.on_commit(partial(task.enqueue, delivery_id), robust=True)


def email_retry_delay(*, attempt: int) -> timedelta:
    """Return how long to wait after the ``attempt``-th failed attempt (1, 2, ...) before the next one."""
    delay: timedelta = EMAIL_RETRY_FIRST_DELAY * 2 ** (attempt - 1)
    return min(delay, EMAIL_RETRY_MAX_DELAY)


def email_attempt(*, delivery_id: int, now: datetime | None = None) -> DeliveryOutcome:
    """Make one attempt at a queued message and enqueue the next one if it needs another.

    What the worker runs (``tasks.email_send``). After a failure the next attempt is enqueued
    ``email_retry_delay`` later, up to ``EMAIL_MAX_ATTEMPTS``; after that the row stays
    ``failed``. When another process holds the message, one more look is enqueued for when its
    claim ends, in case that process fails or dies. Each run enqueues at most one successor, so
    a message never has more than one task waiting. A backend that cannot defer a task (the
    in-process one of the test settings) gets no successor: its failures wait for
    send_pending_emails.
    """
    from .tasks import email_send

    now = now or timezone.now()
    outcome = email_deliver(delivery_id, now=now)
    if outcome in (DeliveryOutcome.SENT, DeliveryOutcome.SKIPPED) or not email_send.get_backend().supports_defer:
        return outcome
    attempts = EmailDelivery.objects.filter(pk=delivery_id).values_list("attempt_count", flat=True).first()
    if attempts is None or attempts >= EMAIL_MAX_ATTEMPTS:
        return outcome
    wait = EMAIL_CLAIM_DURATION if outcome is DeliveryOutcome.BUSY else email_retry_delay(attempt=attempts)
    _email_enqueue(delivery_id, run_after=now + wait)
    return outcome


def email_deliver(delivery_id: int, *, now: datetime | None = None) -> DeliveryOutcome:
    """Claim the delivery, build and send it, and record the outcome.

    The claim is one conditional UPDATE: it counts the attempt (only if ``AttemptCount`` is
    still what was read) and holds the row for ``EMAIL_CLAIM_DURATION``. Of two processes
    after the same message (two workers, or a worker and send_pending_emails), one claims and
    sends; the other gets ``BUSY`` and sends nothing, while the first is sending and after.
    """
    now = now or timezone.now()
    delivery = EmailDelivery.objects.filter(pk=delivery_id).exclude(status=EmailStatus.SENT).first()
    if delivery is None:
        return DeliveryOutcome.SKIPPED
    claimed = (
        EmailDelivery.objects.filter(pk=delivery.pk, attempt_count=delivery.attempt_count)
        .exclude(status=EmailStatus.SENT)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(attempt_count=F("attempt_count") + 1, claimed_until=now + EMAIL_CLAIM_DURATION)
    )
    if not claimed:
        return DeliveryOutcome.BUSY
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
            status=EmailStatus.FAILED,
            error_message=redact_text(f"{type(error).__name__}: {error}")[:2000],
            claimed_until=None,
        )
        return DeliveryOutcome.FAILED
    # The one way a message goes out twice: the process dies here, after the relay accepted it
    # and before this UPDATE records it. Its claim then expires and send_pending_emails sends it
    # again. SMTP has no way to ask whether a message was already accepted, so delivery is at
    # least once, and exactly once whenever the process lives to record it.
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=EmailStatus.SENT,
        sent_at=timezone.now(),
        error_message="",
        provider_message_id=message.extra_headers.get("Message-ID", ""),
        claimed_until=None,
    )
    return DeliveryOutcome.SENT
