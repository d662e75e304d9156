"""The floors answer what their endpoints answer, body and refusals alike, for the same token."""

from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from bench.fixtures import COMPANY_NAME, INVITATIONS, MEMBERS, populate
from eventlead.core.pagination import DEFAULT_LIMIT

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

FLOOR = "/api/v1/bench/floor"
# (endpoint, floor) pairs; {company} is the populated company's id.
SIGNED_IN_PAIRS = [
    ("/api/v1/users/me", f"{FLOOR}/users/me"),
    ("/api/v1/companies/{company}", f"{FLOOR}/companies/{{company}}"),
    ("/api/v1/companies/{company}/members", f"{FLOOR}/companies/{{company}}/members"),
    ("/api/v1/companies/{company}/invitations", f"{FLOOR}/companies/{{company}}/invitations"),
]
COUNTRIES = ("/api/v1/reference/countries", f"{FLOOR}/reference/countries")


@pytest.fixture
def owner_token():
    return populate()


@pytest.fixture
def owner():
    from accounts.models import User

    return User.objects.get(email="owner@example.com")


@pytest.fixture
def company(owner_token):
    from companies.models import Company

    return Company.objects.get(company_name=COMPANY_NAME)


def get(path, token=None, **extra):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client.get(path, **extra)


def both(pair, token, company_id, **extra):
    """The endpoint's and the floor's responses to the same request."""
    return tuple(get(path.format(company=company_id), token, **extra) for path in pair)


def error(response):
    """The error without its request id, which differs per request."""
    body = response.json()["error"]
    return response.status_code, {key: value for key, value in body.items() if key != "requestId"}


def access_for(user):
    from accounts.jwt import issue_token_pair

    return issue_token_pair(user)["access"]


def resigned(token, key=None, **claims):
    """The token with claims changed, signed with ``key`` (the real key unless given)."""
    payload = jwt.decode(token, options={"verify_signature": False})
    payload.update(claims)
    return jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=settings.SIMPLE_JWT["ALGORITHM"])


@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS, ids=["me", "company", "members", "invitations"])
def test_the_floor_answers_the_endpoints_body(pair, owner_token, company):
    real, floor = both(pair, owner_token, company.pk)

    assert (real.status_code, floor.status_code) == (200, 200)
    assert floor.json() == real.json()


def test_the_lists_hold_the_populated_rows(owner_token, company):
    me, _, members, invitations = (
        get(floor.format(company=company.pk), owner_token).json() for _, floor in SIGNED_IN_PAIRS
    )

    assert me["companies"] == [
        {"companyId": company.pk, "name": "Bench Events", "role": "company_admin", "requireMfa": False}
    ]
    assert me["mfaEnabled"] is False
    # The populated lists fill the first page exactly: nothing follows it.
    assert (len(members["results"]), members["next"]) == (MEMBERS, None) == (DEFAULT_LIMIT, None)
    assert (len(invitations["results"]), invitations["next"]) == (INVITATIONS, None) == (DEFAULT_LIMIT, None)
    assert members["results"][0]["joinedDate"].endswith("Z") and invitations["results"][0]["status"] == "pending"


def test_countries_floor_answers_the_same_body_and_cache_policy_without_a_token(db):
    real, floor = (get(path) for path in COUNTRIES)

    assert (real.status_code, floor.status_code) == (200, 200)
    assert floor.json() == real.json() and real.json()[0]["taxRate"] == "0.1000"
    assert floor["Cache-Control"] == real["Cache-Control"]


def test_countries_floor_orders_and_renders_every_active_country_alike(db):
    from reference.models import Country

    # The seed activates Australia only; every country brings empty tax rates and configurations.
    Country.objects.update(is_active=True)
    real, floor = (get(path).json() for path in COUNTRIES)

    assert floor == real and len(real) == Country.objects.count()


@pytest.mark.parametrize(
    ("source", "custom", "business", "shown"),
    [
        ("legal", "", [], "Bench Events Pty Ltd"),
        ("custom", "Bench!", [], "Bench!"),
        ("custom", "", [], "Bench Events Pty Ltd"),
        ("business", "", ["Bench Trading", "Other"], "Bench Trading"),
    ],
)
def test_display_names_follow_the_company_rule(source, custom, business, shown, owner_token, company):
    company.legal_entity_name = "Bench Events Pty Ltd"
    company.display_name_source, company.custom_display_name, company.business_names = source, custom, business
    company.save()

    for pair in SIGNED_IN_PAIRS[:2]:
        real, floor = both(pair, owner_token, company.pk)
        assert floor.json() == real.json()
    assert real.json()["displayName"] == shown


def test_company_fields_that_are_usually_empty_render_alike(owner_token, company):
    from datetime import date

    from reference.models import Industry

    company.abn, company.acn, company.gst_registered = "51824753556", "824753556", True
    company.gst_registered_from = company.abn_status_effective_from = date(2020, 7, 1)
    company.abr_last_verified_at = timezone.now()
    company.industry = Industry.objects.first()
    company.save()

    real, floor = both(SIGNED_IN_PAIRS[1], owner_token, company.pk)

    assert floor.json() == real.json()
    assert real.json()["gstRegisteredFrom"] == "2020-07-01" and real.json()["industryCode"]


def test_members_who_left_and_invitations_in_other_states_render_alike(owner_token, owner, company):
    from companies.models import UserCompany, UserInvitation
    from reference.models import UserCompanyStatus, UserInvitationStatus

    left = UserCompany.objects.filter(company=company).exclude(user=owner).first()
    left.status = UserCompanyStatus.objects.get(code=UserCompanyStatus.REMOVED)
    left.removed_date, left.removal_reason = timezone.now(), "Moved on"
    left.save()
    invitations = list(UserInvitation.objects.filter(company=company).order_by("pk")[:2])
    invitations[0].expires_at = timezone.now() - timedelta(days=1)  # still "pending": shown as expired
    invitations[0].save()
    invitations[1].status = UserInvitationStatus.objects.get(code=UserInvitationStatus.CANCELLED)
    invitations[1].cancelled_at, invitations[1].cancellation_reason = timezone.now(), "Wrong address"
    invitations[1].save()

    for pair in SIGNED_IN_PAIRS[2:]:
        real, floor = both(pair, owner_token, company.pk)
        assert floor.json() == real.json()
    assert {"expired", "cancelled", "pending"} <= {row["status"] for row in real.json()["results"]}
    real, floor = both(SIGNED_IN_PAIRS[3], owner_token, company.pk, data={"status": "cancelled"})
    assert floor.json() == real.json() and [row["status"] for row in real.json()["results"]] == ["cancelled"]


def test_a_list_longer_than_a_page_gives_the_same_page_and_next_cursor(owner_token, owner, company):
    from accounts.models import User
    from companies.invitations import invitation_create
    from companies.models import UserCompany

    member = UserCompany.objects.filter(company=company).exclude(user=owner).first()
    # One more row each, in a tie on the ordering time: the id breaks it, in the floor as in the endpoint.
    UserCompany.objects.create(
        user=User.objects.create_user("late-member@example.com", None, first_name="Late", last_name="Member"),
        company=company,
        role_id=member.role_id,
        status_id=member.status_id,
        joined_via_id=member.joined_via_id,
        joined_date=member.joined_date,
    )
    invitation_create(company=company, actor=owner, email="late-guest@example.com", role="company_user")

    for pair in SIGNED_IN_PAIRS[2:]:
        real, floor = both(pair, owner_token, company.pk)
        assert (real.status_code, floor.status_code) == (200, 200)
        assert floor.json() == real.json()
        assert len(real.json()["results"]) == DEFAULT_LIMIT and real.json()["next"] is not None
        rest = get(pair[0].format(company=company.pk), owner_token, data={"cursor": real.json()["next"]}).json()
        assert (len(rest["results"]), rest["next"]) == (1, None)


@pytest.mark.parametrize("wanted", ["unknown", "PENDING", "pending "])
def test_an_unknown_status_is_refused_alike(wanted, owner_token, company):
    real, floor = both(SIGNED_IN_PAIRS[3], owner_token, company.pk, data={"status": wanted})

    assert real.status_code == 400 and list(real.json()["error"]["fields"]) == ["status"]
    assert error(floor) == error(real)


def test_datetimes_follow_the_current_time_zone(owner_token, company):
    with timezone.override("Australia/Sydney"):
        real, floor = both(SIGNED_IN_PAIRS[2], owner_token, company.pk)

    assert floor.json() == real.json()
    assert real.json()["results"][0]["joinedDate"][-6:] in {"+10:00", "+11:00"}


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda token: resigned(token, exp=int(timezone.now().timestamp()) - 1), id="expired"),
        pytest.param(lambda token: resigned(token, key="not-the-signing-key-" * 3), id="forged"),
        pytest.param(lambda token: resigned(token, token_type="refresh"), id="not-an-access-token"),
        pytest.param(lambda token: resigned(token, atv=99), id="old-access-version"),
        pytest.param(lambda token: resigned(token, sub="999999"), id="unknown-user"),
        pytest.param(lambda token: resigned(token, sid="no-such-session"), id="unknown-session"),
        pytest.param(lambda token: resigned(token, sid=None), id="no-session"),
        pytest.param(lambda token: token[:-4] + "AAAA", id="garbled"),
    ],
)
@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS, ids=["me", "company", "members", "invitations"])
def test_a_bad_token_is_refused_by_the_floor_as_by_the_endpoint(pair, spoil, owner_token, company):
    real, floor = both(pair, spoil(owner_token), company.pk)

    assert real.status_code == 401
    assert error(floor) == error(real)
    assert floor["WWW-Authenticate"] == real["WWW-Authenticate"]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"status": "suspended"}, id="suspended"),
        pytest.param({"is_locked": True}, id="locked"),
        pytest.param({"is_deleted": True}, id="deleted"),
    ],
)
@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS, ids=["me", "company", "members", "invitations"])
def test_a_user_who_may_not_sign_in_is_refused_by_the_floor(pair, change, owner_token, owner, company):
    from reference.models import UserStatus

    if "status" in change:
        owner.status = UserStatus.objects.get(code=change["status"])
    else:
        setattr(owner, *next(iter(change.items())))
    owner.save()

    real, floor = both(pair, owner_token, company.pk)

    assert real.status_code == 401
    assert error(floor) == error(real)


@pytest.mark.parametrize("end", ["ended_at", "expires_at"])
@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS, ids=["me", "company", "members", "invitations"])
def test_a_token_of_an_ended_or_expired_session_is_refused_by_the_floor(pair, end, owner_token, owner, company):
    from accounts.models import UserSession

    changes = {"ended_at": timezone.now(), "end_reason": "revoked"} if end == "ended_at" else {end: timezone.now()}
    UserSession.objects.filter(user=owner).update(**changes)

    real, floor = both(pair, owner_token, company.pk)

    assert real.status_code == 401
    assert error(floor) == error(real)


def test_a_lock_that_has_run_out_no_longer_refuses(owner_token, owner, company):
    owner.is_locked, owner.locked_until = True, timezone.now() - timedelta(minutes=1)
    owner.save()

    real, floor = both(SIGNED_IN_PAIRS[0], owner_token, company.pk)

    assert (real.status_code, floor.status_code) == (200, 200)


@pytest.mark.parametrize("header", ["", "Basic abc", "Bearer a b"], ids=["none", "other-scheme", "three-parts"])
def test_a_missing_or_malformed_header_is_refused_alike(header, owner_token, company):
    real, floor = (APIClient().get(path, HTTP_AUTHORIZATION=header) for path in SIGNED_IN_PAIRS[0])

    assert real.status_code == 401
    assert error(floor) == error(real)


@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS[1:], ids=["company", "members", "invitations"])
def test_another_companys_id_is_not_found(pair, owner_token, company):
    from accounts.models import User
    from companies.services import company_create

    stranger = User.objects.create_user("stranger@example.com", None, first_name="S", last_name="T")
    other = company_create(creator=stranger, company_name="Elsewhere", country_code="AU")

    real, floor = both(pair, owner_token, other.pk)

    assert real.status_code == 404
    assert error(floor) == error(real)


def test_invitations_are_for_company_admins_only(owner_token, company):
    from accounts.models import User

    member = User.objects.get(email="member-001@example.com")
    real, floor = both(SIGNED_IN_PAIRS[3], access_for(member), company.pk)
    members_real, members_floor = both(SIGNED_IN_PAIRS[2], access_for(member), company.pk)

    assert real.status_code == 403
    assert error(floor) == error(real)
    assert members_real.status_code == members_floor.status_code == 200


def test_the_request_log_names_the_signed_in_user_and_company(owner_token, owner, company):
    from logging_app.models import ApiRequest
    from logging_app.request_log import get_buffer

    path = f"{FLOOR}/companies/{company.pk}/members"
    get(path, owner_token)
    get_buffer().flush()

    row = ApiRequest.objects.get(path=path)
    assert (row.status_code, row.user_id, row.company_id) == (200, owner.pk, company.pk)


@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS[1:], ids=["company", "members", "invitations"])
def test_a_company_requiring_mfa_refuses_a_member_without_it_alike(pair, owner_token, owner, company):
    from companies.models import Company

    Company.objects.filter(pk=company.pk).update(require_mfa=True)

    real, floor = both(pair, owner_token, company.pk)

    assert error(real) == (403, {"code": "mfa_required", "message": error(real)[1]["message"]})
    assert error(floor) == error(real)
    me_real, me_floor = both(SIGNED_IN_PAIRS[0], owner_token, company.pk)
    assert me_floor.json() == me_real.json() and me_real.json()["companies"][0]["requireMfa"] is True


@pytest.mark.parametrize("pair", SIGNED_IN_PAIRS, ids=["me", "company", "members", "invitations"])
def test_a_member_with_mfa_reads_a_company_requiring_it_alike(pair, owner_token, owner, company):
    from accounts.models import User
    from companies.models import Company

    Company.objects.filter(pk=company.pk).update(require_mfa=True)
    User.objects.filter(pk=owner.pk).update(mfa_enabled_at=timezone.now())

    real, floor = both(pair, owner_token, company.pk)

    assert (real.status_code, floor.status_code) == (200, 200)
    assert floor.json() == real.json()
