"""The invitation email limit on real PostgreSQL: racers inviting and cancelling never pass it."""

from collections import Counter

import pytest

from companies.invitations import invitation_cancel, invitation_create
from companies.services import company_create
from eventlead.testing.threads import outcome, run_together
from logging_app.models import EmailDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LIMIT = 3
RACERS = 8


def test_racers_inviting_and_cancelling_one_address_send_exactly_the_limit(make_user, set_setting):
    set_setting("email.invitation_emails_per_recipient", LIMIT)
    admin = make_user("admin@example.com")
    company = company_create(creator=admin, company_name="Race Co", country_code="AU")

    def invite_then_cancel():
        invitation = invitation_create(company=company, actor=admin, email="victim@example.com", role="company_user")
        invitation_cancel(company=company, invitation_id=invitation.pk, actor=admin)

    def racer(_):
        """Invite and cancel again and again until the limit answers, as an attacker's script would."""
        results = []
        while "throttled" not in results and len(results) < 100:
            results.append(outcome(invite_then_cancel))
        return results

    outcomes = Counter(result for results in run_together(racer, range(RACERS)) for result in results)

    # Racers that lost to another's pending invitation saw a conflict and tried again.
    assert (outcomes["ok"], outcomes["throttled"]) == (LIMIT, RACERS)
    assert EmailDelivery.objects.filter(email_type="invitation", recipient_email="victim@example.com").count() == LIMIT
