"""Schemathesis against our own ``/api/schema/`` on a live server: no 5xx, nothing the schema does not say.

Every operation is fuzzed over real HTTP twice: as the admin of a company (a verified user
whose bearer token is minted afresh for each request, so a logout-all or password change sent
by the fuzzer does not sign the rest of the run out) and anonymously. Path parameters are what
the fuzzer generated or the ids of real rows (the company, a second member, a pending
invitation and the link token of another), so company-scoped operations get past the tenant
check; bodies sometimes carry a real country or role, which random text never is.
Every request, however malformed, must also leave its ``log.ApiRequest`` row.

The run is bounded and reproducible: Hypothesis derandomized (its seed comes from the test
code), no example database, and ``MAX_EXAMPLES`` valid plus ``MAX_EXAMPLES`` invalid requests
per operation and identity. A failure shows schemathesis's explanation and a curl command.
"""

import json
from dataclasses import dataclass

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.errors import FailureGroup

from eventlead.testing.openapi import CHECKS

pytestmark = [pytest.mark.slow, pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 25
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # No shrinking: a failure is reported as it was sent.
    suppress_health_check=list(HealthCheck),
)
# Authorization is ours to set: a real token, or none at all.
CONFIG = {"generation": {"with-security-parameters": False}}
# High enough that no fuzzed request is refused for its rate; the 429s of business rules remain.
UNLIMITED = "1000000/min"
# Values the database decides are valid, planted in generated bodies that have these fields.
REAL_BODY_VALUES = {"countryCode": "AU", "role": "company_viewer"}


@dataclass(frozen=True)
class World:
    """The rows a fuzzed request can name: a company, its second member and two pending invitations
    (one of them to the admin's own address, for the caller's own invitation operations)."""

    admin_id: int
    path_values: dict

    def bearer(self) -> dict:
        from accounts.jwt import issue_token_pair
        from accounts.models import User

        return {"Authorization": f"Bearer {issue_token_pair(User.objects.get(pk=self.admin_id))['access']}"}


@pytest.fixture
def world(make_user, fake_abr):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tokens import new_token
    from companies.invitations import invitation_accept, invitation_create, invitation_token_rotate
    from companies.models import CompanyCustomerDetails, UserInvitation
    from companies.services import company_create
    from configuration.models import AppSetting
    from configuration.settings_store import clear_cache, get_setting
    from reference.models import UserCompanyRole, UserInvitationStatus

    limits = dict.fromkeys(get_setting("security.rate_limits"), UNLIMITED)
    AppSetting.objects.filter(setting_key="security.rate_limits").update(setting_value=json.dumps(limits))
    clear_cache()

    admin = make_user("admin@example.com")
    company = company_create(creator=admin, company_name="Fuzz Events", country_code="AU")
    # Room for a few of the fuzzer's invitations before the seat limit (MaxUsers) answers 409.
    CompanyCustomerDetails.objects.filter(company=company).update(max_users=10)
    member = make_user("member@example.com")
    joining = invitation_create(company=company, actor=admin, email=member.email, role="company_user")
    membership, _ = invitation_accept(token=invitation_token_rotate(invitation=joining), user=member)
    # Two pending invitations, so cancelling one by id leaves the other's link to answer. The one
    # named by id is to the admin's own address (as if sent before they joined; the service would
    # refuse it now), so both the company's invitation operations and the caller's own
    # (users/me/invitations/{invitation_id}/...) find a real row by the one invitation_id.
    by_id = UserInvitation.objects.create(
        company=company,
        invited_email=admin.email,
        role=UserCompanyRole.objects.get(code="company_viewer"),
        status=UserInvitationStatus.objects.get(code="pending"),
        token_hash=new_token()[1],
        invited_by=admin,
        expires_at=timezone.now() + timedelta(days=7),
    )
    by_link = invitation_create(company=company, actor=admin, email="visitor@example.com", role="company_user")
    return World(
        admin_id=admin.pk,
        path_values={
            "company_id": company.pk,
            "user_company_id": membership.pk,
            "invitation_id": by_id.pk,
            "token": invitation_token_rotate(invitation=by_link),
        },
    )


@pytest.fixture
def api_schema(live_server, world):
    """Our OpenAPI document as the live server serves it, with real ids among the path parameters."""
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", config=schemathesis.Config.from_dict(CONFIG)
    )
    schema.config.update(base_url=live_server.url)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        real = {name: value for name, value in world.path_values.items() if name in path_parameters}
        return st.sampled_from([{**path_parameters, **real}, path_parameters])

    @schema.hook
    def flatmap_body(context, body):
        if not isinstance(body, dict):
            return st.just(body)
        real = {name: value for name, value in REAL_BODY_VALUES.items() if name in body}
        return st.sampled_from([{**body, **real}, body])

    return schema


@pytest.fixture
def request_log():
    """The request log buffer, and how many rows it had dropped before the test."""
    from logging_app.request_log import get_buffer

    buffer = get_buffer()
    return buffer, buffer.dropped


def fuzz(schema, *, headers) -> tuple[list[str], int]:
    """Send valid and invalid requests to every operation; return each one's first failure and the count sent."""
    # Each operation gets its own Hypothesis test through schemathesis's public as_strategy():
    # its pytest loader for a fixture-built schema (schemathesis.pytest.from_fixture) fails
    # under pytest 9.2, which no longer has the Function._nodeid it rewrites.
    failures, sent = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @HYPOTHESIS
            @given(case=operation.as_strategy(generation_mode=mode, hooks=schema.hooks))
            def exchange(case):
                nonlocal sent
                sent += 1
                case.call_and_validate(headers=headers(), checks=CHECKS)

            try:
                exchange()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # An operation without inputs has no invalid ones.
            # Collected, not raised, so one run reports every operation that fails.
            except (AssertionError, FailureGroup) as failure:
                failures.append(f"{operation.label} ({mode.value}):\n{failure}")
    return failures, sent


def assert_every_request_logged(request_log, sent: int) -> None:
    from logging_app.models import ApiRequest

    buffer, dropped_before = request_log
    buffer.flush()

    assert (buffer.pending(), buffer.dropped - dropped_before) == (0, 0)
    assert ApiRequest.objects.exclude(path="/api/schema/").count() == sent


def test_a_company_admin_gets_only_documented_responses(api_schema, world, request_log):
    failures, sent = fuzz(api_schema, headers=world.bearer)

    assert not failures, "\n\n".join(failures)
    assert_every_request_logged(request_log, sent)


def test_an_anonymous_caller_gets_only_documented_responses(api_schema, request_log):
    failures, sent = fuzz(api_schema, headers=dict)

    assert not failures, "\n\n".join(failures)
    assert_every_request_logged(request_log, sent)
