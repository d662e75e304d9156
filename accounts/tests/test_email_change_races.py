"""Email change races on real PostgreSQL: users confirming links for one address at one instant.

Confirming checks that the address is still free, and ``UQ_User_Email`` holds when two checks
pass together (``accounts.lifecycle.email_change_confirm``). SQLite serialises writers, so these
only prove something on PostgreSQL.
"""

from collections import Counter

import pytest
from rest_framework.test import APIClient

from accounts.lifecycle import email_change_token_issue
from accounts.models import User, UserEmailChangeToken
from eventlead.testing.threads import run_together
from logging_app.models import EmailDelivery, EmailType

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("unthrottled")]

CLAIMED = "claimed@example.org"


def confirm(token):
    response = APIClient().post("/api/v1/users/me/email/confirm", {"token": token}, format="json")
    body = response.json()
    return response.status_code, body if response.status_code == 200 else body["error"]["code"]


@pytest.mark.parametrize("claimants", [2, 8])
def test_of_users_confirming_one_address_at_once_exactly_one_gets_it(make_user, claimants):
    users = [make_user(email=f"claimant{n}@example.com") for n in range(claimants)]
    tokens = [email_change_token_issue(user=user, new_email=CLAIMED) for user in users]

    answers = run_together(confirm, tokens)

    assert Counter(status for status, _ in answers) == {200: 1, 409: claimants - 1}
    assert sorted(body for status, body in answers if status == 409) == ["conflict"] * (claimants - 1)
    [winner] = User.objects.filter(email=CLAIMED)
    assert [body for status, body in answers if status == 200] == [{"email": CLAIMED}]
    losers = [user for user in users if user.pk != winner.pk]
    assert sorted(User.objects.filter(pk__in=[u.pk for u in losers]).values_list("email", flat=True)) == sorted(
        user.email for user in losers
    )
    # The losers' links stay unused; only the winner's old address is told of a change.
    assert UserEmailChangeToken.objects.filter(used_at__isnull=True).count() == claimants - 1
    notices = EmailDelivery.objects.filter(email_type=EmailType.SECURITY_EMAIL_CHANGED)
    assert list(notices.values_list("user_id", flat=True)) == [winner.pk]


def test_a_confirmation_racing_a_sign_up_for_the_address_never_gives_it_twice(make_user):
    user = make_user(email="mover@example.com")
    token = email_change_token_issue(user=user, new_email=CLAIMED)

    def act(which):
        if which == "confirm":
            return confirm(token)
        response = APIClient().post(
            "/api/v1/auth/signup",
            {"email": CLAIMED, "password": "Another-long-passphrase-42", "firstName": "Sam", "lastName": "Lee"},
            format="json",
        )
        return response.status_code, None

    answers = dict(zip(["confirm", "signup"], run_together(act, ["confirm", "signup"]), strict=True))

    assert answers["signup"] == (202, None)  # the same answer whether or not the address was free
    assert User.objects.filter(email=CLAIMED).count() == 1
    holder = User.objects.get(email=CLAIMED)
    if holder.pk == user.pk:
        assert answers["confirm"] == (200, {"email": CLAIMED})
    else:
        assert answers["confirm"] == (409, "conflict")
        assert User.objects.get(pk=user.pk).email == "mover@example.com"
