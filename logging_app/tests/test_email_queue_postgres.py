"""Two real workers on one PostgreSQL queue: every message goes out once.

Each worker is ``manage.py db_worker`` in its own process, on the test database. The relay
holds every message until both workers are waiting on it at once, so the two provably work
side by side; then it lets everything through.
"""

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accounts import services as accounts_services
from logging_app import services
from logging_app.models import EmailDelivery, EmailType

from .relay import ObservedRelay

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 20

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def worker(relay: ObservedRelay) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "eventlead.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "SECRET_KEY": "worker-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "JWT_SIGNING_KEY": "worker-test-jwt-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "DEBUG": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(relay.port),
        "EMAIL_TIMEOUT": "90",
    }
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_two_workers_at_once_send_each_message_once(database_tasks, make_user):
    recipients = [f"user{n}@example.com" for n in range(MESSAGES)]
    for address in recipients:
        services.email_queue(
            email_type=EmailType.PASSWORD_RESET,
            recipient=address,
            subject=accounts_services.SUBJECT_RESET,
            user=make_user(email=address),
        )

    with ObservedRelay() as relay:
        relay.hold(until_concurrent=2)
        workers = [worker(relay), worker(relay)]
        outputs = [process.communicate(timeout=180)[0].decode() for process in workers]

    assert [process.returncode for process in workers] == [0, 0], outputs
    assert relay.most_waiting == 2, outputs  # both workers were sending at the same moment
    sent = Counter(address for message in relay.messages for address in message.rcpt_tos)
    assert sent == Counter(recipients), outputs
    assert set(EmailDelivery.objects.values_list("status", "attempt_count")) == {("sent", 1)}
    tasks = DBTaskResult.objects.all()
    assert [task.return_value for task in tasks] == ["sent"] * MESSAGES
    assert len({worker_id for task in tasks for worker_id in task.worker_ids}) == 2
