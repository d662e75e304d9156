"""Schemathesis against our own ``/api/schema/`` on a live server, with every check it has.

Stateless: every operation is fuzzed over real HTTP twice: as the admin of a company (a
verified user whose bearer token is minted afresh for each request, so a logout-all, a session
revocation or a password change sent by the fuzzer does not sign the rest of the run out) and
anonymously. Where a case is meant to be valid, real values are planted in half of them (see
``flatmap_case``): the ids of real rows in path parameters (the company, a second member, a
pending invitation and the link token of another), so company-scoped operations get past the
tenant check; a real country or role in bodies, which random text never is; real credentials
in a login; no cursor, the only real one a fuzzer can send (cursors are signed).

Stateful: schemathesis's state machine follows the document's OpenAPI links
(eventlead/core/openapi.py) as the same admin: the company it creates or lists leads to its
members, invitations and details, an invitation to its resend and cancel, a login to its token
refresh or MFA step. Every operation a link leads to must be reached through one.

The checks are schemathesis's whole set (tests/fuzz/schemathesis.toml, shared with
scripts/fuzz-gunicorn, says which operations are spared ``positive_data_acceptance`` and why),
``ignored_auth`` included, which sends each authenticated success again without and with a
wrong token. Every request, however malformed, must also leave its ``log.ApiRequest`` row.
How many cases, requests and scenarios ran is printed in pytest's terminal summary.

The run is bounded and reproducible where Hypothesis allows: the stateless cases are
derandomized (the seed comes from the test code), ``MAX_EXAMPLES`` valid plus ``MAX_EXAMPLES``
invalid ones per operation and identity, with no example database; the state machine's runs
are seeded by their number. Its choice to follow a link or not is schemathesis's own coin, out
of Hypothesis's reach, so its paths may vary a little between runs; ``explore`` runs on until
every link target has been reached. A failure shows schemathesis's explanation and a curl command.
"""

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Flaky, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.errors import FailureGroup
from schemathesis.generation.meta import TestPhase

from eventlead.core.openapi import LINKS

from .conftest import report

pytestmark = [pytest.mark.slow, pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 25
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # No shrinking: a failure is reported as it was sent.
    suppress_health_check=list(HealthCheck),
)
# Scenarios of the state machine, each up to STEPS calls long, in at most ATTEMPTS runs of up to
# SCENARIOS scenarios; past SCENARIOS only while a link's target has not been reached (see explore).
SCENARIOS, MAX_SCENARIOS, STEPS, ATTEMPTS = 100, 300, 20, 10
STATEFUL = settings(
    stateful_step_count=STEPS,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# High enough that no fuzzed request is refused for its rate; the 429s of business rules remain.
UNLIMITED = "1000000/min"
UNLOCKABLE = "1000000"
# Values the database decides are valid, planted in generated bodies that have these fields.
REAL_BODY_VALUES = {"countryCode": "AU", "role": "company_viewer"}
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.com", "Fuzzing-passphrase-2024"
# A user with two-factor authentication on, whose sign-in answers a challenge (for the VerifyMfa link).
MFA_EMAIL, MFA_PASSWORD = "mfa@example.com", "Second-factor-passphrase-2024"
SIGN_INS = {ADMIN_EMAIL: ADMIN_PASSWORD, MFA_EMAIL: MFA_PASSWORD}
RECEIVED_INVITATIONS = 5
LOGIN = "POST /api/v1/auth/login"
SCHEMA_PATH = "/api/schema/"
FAILURE_CODE = re.compile(r"- (ST\d+) ")


@dataclass(frozen=True)
class World:
    """The rows a fuzzed request can name: a company, its second member and two pending invitations
    (one of them to the admin's own address, for the caller's own invitation operations); and a
    user with two-factor authentication on, who can sign in, and whose own companies have invited
    the admin."""

    admin_id: int
    path_values: dict

    def bearer(self) -> dict:
        from accounts.jwt import issue_token_pair
        from accounts.models import User

        return {"Authorization": f"Bearer {issue_token_pair(User.objects.get(pk=self.admin_id))['access']}"}


@dataclass
class Run:
    """What one fuzzing run sent, what it reached and what failed."""

    cases: int = 0
    failures: list[str] = field(default_factory=list)
    # The stateful run's scenarios, and how often Hypothesis stopped a run as flaky.
    scenarios: int = 0
    runs: int = 0
    restarts: int = 0
    # (operation, failure codes) already in failures.
    kinds: set = field(default_factory=set)
    # Operation label -> statuses answered.
    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    # Operation label -> calls with a value a link carried.
    linked: Counter = field(default_factory=Counter)

    def record(self, label: str, status_code: int) -> None:
        self.cases += 1
        self.statuses[label][status_code] += 1


@pytest.fixture
def world(make_user, fake_abr):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.mfa import mfa_enable, pending_device
    from accounts.tokens import new_token
    from companies.invitations import invitation_accept, invitation_create, invitation_token_rotate
    from companies.models import CompanyCustomerDetails, UserInvitation
    from companies.services import company_create
    from configuration.models import AppSetting
    from configuration.settings_store import clear_cache, get_setting
    from reference.models import UserCompanyRole, UserInvitationStatus

    limits = dict.fromkeys(get_setting("security.rate_limits"), UNLIMITED)
    AppSetting.objects.filter(setting_key="security.rate_limits").update(setting_value=json.dumps(limits))
    # The fuzzer's wrong current passwords (password change, re-authentication) would lock the
    # admin out, and a lock ends every session: the rest of the run would be one long 401.
    AppSetting.objects.filter(setting_key="security.max_failed_login_attempts").update(setting_value=UNLOCKABLE)
    clear_cache()

    admin = make_user(ADMIN_EMAIL, password=ADMIN_PASSWORD)
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
    careful = make_user(MFA_EMAIL, password=MFA_PASSWORD)
    mfa_enable(user=careful, device=pending_device(careful), now=timezone.now())
    # Companies of that user, each with a pending invitation to the admin, so the admin's own list
    # (users/me/invitations) has rows for the accept and decline links after the first is used.
    for number in range(RECEIVED_INVITATIONS):
        host = company_create(creator=careful, company_name=f"Host Events {number}", country_code="AU")
        invitation_create(company=host, actor=careful, email=ADMIN_EMAIL, role="company_viewer")
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
    """Our OpenAPI document as the live server serves it, with real values planted (see flatmap_case)."""
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}{SCHEMA_PATH}?format=json", config=schemathesis.Config.from_path(CONFIG)
    )
    schema.config.update(base_url=live_server.url)

    @schema.hook
    def flatmap_case(context, case):
        """Send each case as generated or with real values planted, where it is meant to be valid.

        Not in a component generated invalid (a planted value could make it valid), and not in
        the stateful phase's path parameters, which the links fill with the ids they carry.
        """
        meta = case.meta
        if meta is None:  # not generated (an explicit example): sent as it is
            return st.just(case)
        path = {
            name: value
            for name, value in world.path_values.items()
            if name in (case.path_parameters or {})
            and not meta.is_negative_at(ParameterLocation.PATH)
            and meta.phase.name is not TestPhase.STATEFUL
        }
        bodies = [{}]
        if isinstance(case.body, dict) and not meta.is_negative_at(ParameterLocation.BODY):
            bodies = [{name: value for name, value in REAL_BODY_VALUES.items() if name in case.body}]
            # Only the login gets real passwords: account closure takes one too.
            if case.operation.label == LOGIN:
                bodies = [{"email": email, "password": password} for email, password in SIGN_INS.items()]
        # A cursor is signed by the server: the real one a fuzzer can send is none (the first page).
        first_page = (
            isinstance(case.query, dict) and "cursor" in case.query and not meta.is_negative_at(ParameterLocation.QUERY)
        )
        plantings = [(path, body, first_page) for body in bodies if path or body or first_page]
        if not plantings:
            return st.just(case)
        return st.sampled_from([None, *plantings]).map(lambda planting: plant(case, *planting) if planting else case)

    return schema


@pytest.fixture
def requests_sent(live_server, monkeypatch):
    """Count the requests sent to the API after the document, the checks' own (``ignored_auth``'s) included."""
    sent = Counter()
    send = requests.Session.send

    def counting(session, request, **kwargs):
        if request.url.startswith(live_server.url) and not request.path_url.startswith(SCHEMA_PATH):
            sent["api"] += 1
        return send(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", counting)
    return sent


@pytest.fixture
def request_log(requests_sent):
    """The request log buffer, and how many rows it had dropped before the test."""
    from logging_app.request_log import get_buffer

    buffer = get_buffer()
    return buffer, buffer.dropped, requests_sent


def plant(case, path: dict, body: dict, first_page: bool):
    if first_page:
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}
    if path:
        case.path_parameters = {**case.path_parameters, **path}
    if body:
        case.body = {**case.body, **body}
    return case


def fuzz(schema, *, headers) -> Run:
    """Send valid and invalid requests to every operation; collect each one's first failure."""
    # Each operation gets its own Hypothesis test through schemathesis's public as_strategy():
    # its pytest loader for a fixture-built schema (schemathesis.pytest.from_fixture) fails
    # under pytest 9.2, which no longer has the Function._nodeid it rewrites.
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @HYPOTHESIS
            @given(case=operation.as_strategy(generation_mode=mode))
            def exchange(case):
                # What case.call_and_validate() does, with the answer counted before it is judged.
                sent = headers()
                response = case.call(headers=sent)
                run.record(case.operation.label, response.status_code)
                # No explicit checks: every check the configuration enables.
                case.validate_response(response, headers=sent, transport_kwargs={"headers": dict(sent)})

            try:
                exchange()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # An operation without inputs has no invalid ones.
            # Collected, not raised, so one run reports every operation that fails.
            except (AssertionError, FailureGroup) as failure:
                run.failures.append(f"{operation.label} ({mode.value}):\n{failure}")
    return run


def explore(schema, *, headers, targets: set[str]) -> Run:
    """Run schemathesis's state machine over the document's links, ``SCENARIOS`` scenarios or more
    (see below), collecting each kind of failure once."""
    run = Run()

    class Workflow(schema.as_state_machine()):
        def setup(self):
            run.scenarios += 1

        def get_call_kwargs(self, case):
            return {"headers": headers()}

        def step(self, input):
            if input.transition is not None and input.applied_parameters:
                run.linked[input.case.operation.label] += 1
            return super().step(input)

        def after_call(self, response, case):
            super().after_call(response, case)
            run.record(case.operation.label, response.status_code)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Passed as the request's headers, the token counts as the caller's own for
            # ignored_auth, as in the stateless run; the base class would take it for a generated one.
            try:
                case.validate_response(
                    response,
                    headers=kwargs["headers"],
                    additional_checks=additional_checks,
                    transport_kwargs=kwargs,
                    recorder=self.recorder,
                )
            # Kept as it happens: Hypothesis's replay of a failing scenario meets another state
            # of the API and may not fail again (a Flaky error then, not this failure).
            except (AssertionError, FailureGroup) as failure:
                # One of each kind per operation: the next runs meet the same ones again.
                kind = (case.operation.label, tuple(FAILURE_CODE.findall(str(failure))))
                if kind not in run.kinds:
                    run.kinds.add(kind)
                    run.failures.append(f"{case.operation.label}:\n{failure}")
                raise

    # A failure ends a run, and so does Hypothesis when the API's answers (which depend on what
    # earlier scenarios created) make the same draws lead elsewhere (Flaky): a new run, with the
    # next seed, goes on, as schemathesis's own engine does, so one test reports several
    # failures. Runs also go on, up to MAX_SCENARIOS, while an operation a link leads to has not
    # been reached through one: each step's rule is drawn among all that can be, so deep chains
    # are the rare ones.
    for attempt in range(ATTEMPTS):
        wanted = (SCENARIOS if set(run.linked) >= targets else MAX_SCENARIOS) - run.scenarios
        if wanted <= 0:
            break
        try:
            seed(attempt)(Workflow).run(settings=settings(STATEFUL, max_examples=min(wanted, SCENARIOS)))
        except Flaky:
            run.restarts += 1
        except (AssertionError, FailureGroup):
            pass  # recorded by validate_response
        run.runs += 1
    return run


def assert_every_request_logged(request_log) -> None:
    from logging_app.models import ApiRequest

    buffer, dropped_before, requests_sent = request_log
    buffer.flush()

    assert (buffer.pending(), buffer.dropped - dropped_before) == (0, 0)
    assert ApiRequest.objects.exclude(path=SCHEMA_PATH).count() == requests_sent["api"]


def summary(title: str, run: Run, request_log) -> str:
    statuses = Counter()
    for counts in run.statuses.values():
        statuses.update(counts)
    answered = ", ".join(f"{status_code}: {count}" for status_code, count in sorted(statuses.items()))
    return (
        f"{title}: {run.cases} cases over {len(run.statuses)} operations, "
        f"{request_log[2]['api']} requests with the checks' own; statuses {answered}"
    )


def operation_labels(schema) -> set[str]:
    return {result.ok().label for result in schema.get_all_operations()}


def test_a_company_admin_gets_only_documented_responses(api_schema, world, request_log):
    run = fuzz(api_schema, headers=world.bearer)
    report(summary("Fuzzing as a company admin", run, request_log))

    assert not run.failures, "\n\n".join(run.failures)
    assert set(run.statuses) == operation_labels(api_schema)
    assert_every_request_logged(request_log)


def test_an_anonymous_caller_gets_only_documented_responses(api_schema, request_log):
    run = fuzz(api_schema, headers=dict)
    report(summary("Fuzzing anonymously", run, request_log))

    assert not run.failures, "\n\n".join(run.failures)
    assert set(run.statuses) == operation_labels(api_schema)
    assert_every_request_logged(request_log)


def test_following_the_links_reaches_every_linked_operation_with_documented_responses(api_schema, world, request_log):
    targets = {
        api_schema.find_operation_by_id(link["operationId"]).label
        for links in LINKS.values()
        for link in links.values()
    }
    run = explore(api_schema, headers=world.bearer, targets=targets)
    unlinked = (
        operation_labels(api_schema) - targets - {api_schema.find_operation_by_id(source).label for source, _ in LINKS}
    )
    report(summary("Following the links as a company admin", run, request_log))
    report(
        f"  {run.scenarios} scenarios of up to {STEPS} steps, in {run.runs} runs of the state machine "
        f"({run.restarts} stopped as flaky)"
    )
    fewest = ", ".join(f"{label}: {count}" for label, count in sorted(run.linked.items(), key=lambda item: item[1])[:3])
    report(f"  reached through a link: {len(run.linked)} of the {len(targets)} operations links lead to")
    report(f"  the fewest calls through a link: {fewest}")
    report(f"  in no link (fuzzed by the stateless tests only): {', '.join(sorted(unlinked))}")

    assert not run.failures, "\n\n".join(dict.fromkeys(run.failures))
    assert not targets - set(run.linked), f"not reached through a link: {sorted(targets - set(run.linked))}"
    assert_every_request_logged(request_log)
