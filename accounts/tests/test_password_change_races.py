"""Wrong current passwords sent at once on real PostgreSQL: all counted, one lock (SQLite serialises writers)."""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from eventlead.testing.threads import run_together
from logging_app.models import AuthEvent, EmailDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unthrottled")]

THREADS = 12
LIMIT = 5


def test_concurrent_wrong_current_passwords_are_all_counted_and_lock_once(make_user, password, set_setting):
    set_setting("security.max_failed_login_attempts", LIMIT)
    user = make_user(email="target@example.com")
    login = APIClient().post("/api/v1/auth/login", {"email": user.email, "password": password}, format="json")
    session = APIClient()
    session.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")

    def guess(n):
        body = {"currentPassword": f"Guess-number-{n}", "newPassword": "Another-long-passphrase-42"}
        return session.post("/api/v1/auth/password-change", body, format="json").status_code

    answers = Counter(run_together(guess, range(THREADS)))

    user.refresh_from_db()
    counted = AuthEvent.objects.filter(user=user, event_type="login_failed", failure_reason="wrong_current_password")
    # Every guess that got past authentication is counted (no lost update); the ones that came
    # after the lock found the session ended.
    assert answers[400] == counted.count() == user.failed_login_attempts >= LIMIT
    assert answers[400] + answers[401] == THREADS
    assert user.is_locked and user.check_password(password)
    assert AuthEvent.objects.filter(user=user, event_type="account_locked").count() == 1
    assert EmailDelivery.objects.filter(email_type="account_locked").count() == 1
    assert User.objects.get(pk=user.pk).access_token_version == 2
