"""Invitation races on real PostgreSQL: concurrent accepts and resends, each on its own connection."""

import json
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from auditing.models import AuditRole
from companies.invitations import invitation_accept, invitation_create, invitation_resend, invitation_token_rotate
from companies.models import Company, UserCompany, UserInvitation
from companies.services import company_create
from eventlead.testing.threads import outcome, run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def invitation(make_user, set_setting):
    set_setting("security.rate_limits", json.dumps({"login": "1000/min"}))
    admin = make_user("admin@example.com")
    company = company_create(creator=admin, company_name="Race Co", country_code="AU")
    invitation = invitation_create(company=company, actor=admin, email="guest@example.com", role="company_user")
    return invitation, admin


def test_twenty_concurrent_accepts_make_exactly_one_membership(invitation):
    invitation, _ = invitation
    token = invitation_token_rotate(invitation=invitation)

    outcomes = run_together(
        lambda n: outcome(
            lambda: invitation_accept(
                token=token, user=None, password="Race-condition-pass-1", first_name="G", last_name=str(n)
            )
        ),
        range(20),
    )

    assert Counter(outcomes) == {"ok": 1, "token_invalid": 19}
    assert User.objects.filter(email="guest@example.com").count() == 1
    assert UserCompany.objects.filter(user__email="guest@example.com").count() == 1
    assert AuditRole.objects.filter(user__email="guest@example.com").count() == 1
    assert UserInvitation.objects.get().status.code == "accepted"


def test_ten_concurrent_resends_never_exceed_the_limit(invitation):
    invitation, admin = invitation
    company = Company.objects.get(pk=invitation.company_id)
    later = timezone.now() + timedelta(hours=1)  # past the cooldown of the first send

    outcomes = run_together(
        lambda n: outcome(
            lambda: invitation_resend(company=company, invitation_id=invitation.pk, actor=admin, now=later)
        ),
        range(10),
    )

    # The first resend starts a new cooldown, so the other nine are throttled.
    assert Counter(outcomes) == {"ok": 1, "throttled": 9}
    assert UserInvitation.objects.get().resend_count == 1


def test_without_a_cooldown_concurrent_resends_stop_exactly_at_the_limit(invitation, set_setting):
    invitation, admin = invitation
    set_setting("email.invitation_resend_cooldown_minutes", 0)
    company = Company.objects.get(pk=invitation.company_id)

    outcomes = run_together(
        lambda n: outcome(lambda: invitation_resend(company=company, invitation_id=invitation.pk, actor=admin)),
        range(10),
    )

    assert Counter(outcomes) == {"ok": 3, "throttled": 7}
    assert UserInvitation.objects.get().resend_count == 3
