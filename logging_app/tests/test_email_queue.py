"""The email queue on its production backend (django_tasks_db): requests record and enqueue, the worker sends.

The suite's settings run tasks in-process as a transaction commits; here the database backend
is configured as in production, the worker is the real ``manage.py db_worker`` command, and the
mail goes to a real SMTP server on loopback that counts every session opened with it.
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework import status
from rest_framework.test import APIClient

from accounts import services as accounts_services
from accounts.models import User
from logging_app import services
from logging_app.models import EmailDelivery, EmailType
from logging_app.services import EMAIL_CLAIM_DURATION, EMAIL_MAX_ATTEMPTS, DeliveryOutcome, email_retry_delay

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

EMAIL = "ada@example.com"
NEW_PASSWORD = "Difference-engine-1822"


def queue_reset_email(user: User) -> EmailDelivery:
    return services.email_queue(
        email_type=EmailType.PASSWORD_RESET, recipient=user.email, subject=accounts_services.SUBJECT_RESET, user=user
    )


def ready_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"))


def test_a_request_records_and_enqueues_its_email_and_only_the_worker_sends_it(
    database_tasks, relay, run_worker, make_user
):
    make_user(email=EMAIL)

    response = APIClient().post("/api/v1/auth/password-reset", {"email": EMAIL}, format="json")

    assert response.status_code == status.HTTP_202_ACCEPTED
    assert (relay.sessions, relay.messages) == (0, [])
    delivery = EmailDelivery.objects.get()
    assert (delivery.recipient_email, delivery.status, delivery.attempt_count) == (EMAIL, "queued", 0)
    [task] = ready_tasks()
    assert (task.task_path, task.args_kwargs) == ("logging_app.tasks.email_send", {"args": [delivery.pk], "kwargs": {}})

    run_worker()

    [reset] = relay.messages
    assert (reset.rcpt_tos, reset.subject, relay.sessions) == ((EMAIL,), accounts_services.SUBJECT_RESET, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.claimed_until) == ("sent", 1, None)
    task.refresh_from_db()
    assert (task.status, task.return_value) == ("SUCCESSFUL", "sent")
    # The worker built the link when it sent the message, and the link works.
    confirmed = APIClient().post(
        "/api/v1/auth/password-reset/confirm", {"token": reset.link_token(), "newPassword": NEW_PASSWORD}, format="json"
    )
    assert confirmed.status_code == status.HTTP_200_OK

    run_worker()

    # The reset sent its security notice, and the reset link's message was not sent again.
    assert [message.subject for message in relay.messages] == [
        accounts_services.SUBJECT_RESET,
        accounts_services.SUBJECT_PASSWORD_RESET,
    ]
    assert (relay.sessions, ready_tasks()) == (2, [])


class ForcedRollback(Exception):
    pass


def test_the_task_row_commits_or_rolls_back_with_the_delivery_row(database_tasks, relay, run_worker, make_user):
    user = make_user(email=EMAIL)

    with pytest.raises(ForcedRollback), transaction.atomic():
        queue_reset_email(user)
        raise ForcedRollback

    assert (EmailDelivery.objects.count(), DBTaskResult.objects.count()) == (0, 0)
    run_worker()
    assert relay.sessions == 0

    delivery = queue_reset_email(user)

    [task] = ready_tasks()
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}


def test_a_failing_relay_is_retried_with_growing_delays_until_the_worker_gives_up(
    database_tasks, stopped_relay, run_worker, make_user
):
    delivery = queue_reset_email(make_user(email=EMAIL))
    delays = []

    for attempt in range(1, EMAIL_MAX_ATTEMPTS + 1):
        before = timezone.now()
        run_worker()
        after = timezone.now()

        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempt_count) == ("failed", attempt)
        assert delivery.error_message.startswith("ConnectionRefusedError:")
        if attempt == EMAIL_MAX_ATTEMPTS:
            break
        [retry] = ready_tasks()
        delay = email_retry_delay(attempt=attempt)
        assert before + delay <= retry.run_after <= after + delay
        delays.append(delay)
        # Not due yet: the worker leaves it alone.
        run_worker()
        delivery.refresh_from_db()
        assert delivery.attempt_count == attempt
        # Time passes.
        DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())

    assert delays == sorted(set(delays)) == [timedelta(seconds=30 * 2**n) for n in range(EMAIL_MAX_ATTEMPTS - 1)]
    assert ready_tasks() == []
    assert list(DBTaskResult.objects.values_list("return_value", flat=True)) == ["failed"] * EMAIL_MAX_ATTEMPTS

    # Once the relay is back, send_pending_emails re-drives what the worker gave up on.
    stopped_relay.start()
    report = StringIO()
    call_command("send_pending_emails", min_age_seconds=0, stdout=report)

    assert report.getvalue().strip() == "sent 1, failed 0"
    assert [message.rcpt_tos for message in stopped_relay.messages] == [(EMAIL,)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("sent", EMAIL_MAX_ATTEMPTS + 1)


def test_a_message_being_sent_is_claimed_by_no_one_else_and_goes_out_once(database_tasks, relay, make_user):
    delivery = queue_reset_email(make_user(email=EMAIL))
    relay.hold()
    outcomes = []

    def send_elsewhere():
        try:
            outcomes.append(services.email_deliver(delivery.pk))
        finally:
            connection.close()

    sender = threading.Thread(target=send_elsewhere)
    sender.start()
    try:
        relay.wait_for(lambda: relay.waiting == 1, what="the first sender to reach DATA")

        second = services.email_deliver(delivery.pk)
        report = StringIO()
        call_command("send_pending_emails", min_age_seconds=0, stdout=report)
    finally:
        relay.release()
        sender.join(timeout=30)

    assert (outcomes, second) == ([DeliveryOutcome.SENT], DeliveryOutcome.BUSY)
    assert report.getvalue().strip() == "sent 0, failed 0, left 1 that another process was sending or had sent"
    assert (len(relay.messages), relay.sessions) == (1, 1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("sent", 1)


def test_a_claim_left_by_a_dead_sender_is_taken_again_when_it_expires(database_tasks, relay, make_user):
    delivery = queue_reset_email(make_user(email=EMAIL))
    claimed_at = timezone.now()
    # What a worker's claim leaves behind when the process dies before recording the outcome.
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        attempt_count=1, claimed_until=claimed_at + EMAIL_CLAIM_DURATION
    )

    just_before = services.email_deliver(delivery.pk, now=claimed_at + EMAIL_CLAIM_DURATION - timedelta(seconds=1))
    at_expiry = services.email_deliver(delivery.pk, now=claimed_at + EMAIL_CLAIM_DURATION)

    assert (just_before, at_expiry) == (DeliveryOutcome.BUSY, DeliveryOutcome.SENT)
    assert len(relay.messages) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.claimed_until) == ("sent", 2, None)


def test_a_task_that_finds_its_message_held_looks_again_when_the_claim_ends(database_tasks, relay, make_user):
    delivery = queue_reset_email(make_user(email=EMAIL))
    DBTaskResult.objects.all().delete()
    claimed_at = timezone.now()
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        attempt_count=1, claimed_until=claimed_at + EMAIL_CLAIM_DURATION
    )

    outcome = services.email_attempt(delivery_id=delivery.pk, now=claimed_at)

    [look_again] = ready_tasks()
    assert (outcome, look_again.run_after) == (DeliveryOutcome.BUSY, claimed_at + EMAIL_CLAIM_DURATION)
    assert relay.sessions == 0


def test_a_task_for_a_message_already_sent_or_purged_sends_nothing(database_tasks, relay, run_worker, make_user):
    sent, purged = (queue_reset_email(make_user(email=f"user{n}@example.com")) for n in range(2))
    EmailDelivery.objects.filter(pk=sent.pk).update(status="sent")
    EmailDelivery.objects.filter(pk=purged.pk).delete()

    run_worker()

    assert relay.sessions == 0
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == ["skipped", "skipped"]
    assert ready_tasks() == []


def test_finished_tasks_are_pruned_and_waiting_ones_kept(database_tasks, relay, run_worker, make_user):
    """The queue's own retention job (``prune_db_task_results``, scheduled in docs/operations.md)."""
    queue_reset_email(make_user(email=EMAIL))
    run_worker()
    waiting = queue_reset_email(make_user(email="second@example.com"))

    call_command("prune_db_task_results", min_age_days=0, verbosity=0)

    [task] = DBTaskResult.objects.all()
    assert (task.status, task.args_kwargs["args"]) == ("READY", [waiting.pk])
