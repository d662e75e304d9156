"""The operations dashboard on the back office's index: each figure, its link, the periods, the cost.

Figures are computed for a fixed ``NOW`` against rows made for them, with rows just outside the
period that must not count. Each figure's link is then opened as an admin would, and must list
exactly the rows the figure counts.
"""

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts.models import User, UserSession
from companies.models import Company, UserInvitation
from eventlead.backoffice import charts
from eventlead.backoffice.dashboard import (
    CACHE_KEY,
    CACHE_SECONDS,
    PERIODS,
    QUERY_COUNT,
    TOP_ERRORS,
    TOP_PATHS,
    Chart,
    Series,
    dashboard,
    period_from,
)
from eventlead.core.cache import DatabaseCache
from logging_app.models import AbrLookup, ApiRequest, ApplicationError, AuthEvent, EmailDelivery
from reference.models import Country, UserCompanyRole, UserInvitationStatus
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
DAY, WEEK = PERIODS["24h"], PERIODS["7d"]
INSIDE = NOW - timedelta(hours=1)
# Outside the last 24 hours, inside the last 7 days.
EARLIER = NOW - timedelta(hours=30)
LONG_AGO = NOW - timedelta(days=40)
INDEX = "/admin/"
# The index without the dashboard: the browser's session, the signed-in admin, the admin's
# recent actions. With it: the cache read, and on a cold cache the figures' queries and the
# cache write (a savepoint around a read and an insert, inside the test's transaction).
INDEX_QUERIES = 3
CACHE_READ, CACHE_WRITE = 1, 4


def listed(client, url: str) -> set[int]:
    """Open ``url`` as the admin and return the keys of the rows its changelist lists (every page)."""
    assert url, "the figure has no link"
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.get("Location"))
    return set(response.context["cl"].queryset.values_list("pk", flat=True))


def keys(rows) -> set[int]:
    return {row.pk for row in rows}


def make_user(email: str, created: datetime, *, verified: bool = True) -> User:
    return User.objects.create_user(
        email,
        "x",
        first_name="Ann",
        last_name="Lee",
        created_date=created,
        email_verified_at=created if verified else None,
    )


def auth_event(event_type: str, created: datetime) -> AuthEvent:
    return AuthEvent.objects.create(event_type=event_type, email="someone@example.com", created_date=created)


def api_request(path: str = "/api/v1/users/me", status: int = 200, duration: int = 10, created: datetime = INSIDE):
    return ApiRequest(
        request_id=uuid.uuid4(), method="GET", path=path, status_code=status, duration_ms=duration, created_date=created
    )


def api_requests(rows: list[ApiRequest]) -> list[ApiRequest]:
    ApiRequest.objects.bulk_create(rows)
    # Read back: SQL Server returns no keys from a multi-row INSERT.
    return list(ApiRequest.objects.order_by("-pk")[: len(rows)])


def email(email_type: str, status: str, created: datetime = INSIDE) -> EmailDelivery:
    return EmailDelivery.objects.create(
        recipient_email="someone@example.com",
        email_type=email_type,
        subject="Hello",
        status=status,
        created_date=created,
    )


def app_error(error_type: str, message: str, created: datetime = INSIDE) -> ApplicationError:
    return ApplicationError.objects.create(error_type=error_type, message=message, created_date=created)


# Periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "key"),
    [("24h", "24h"), ("7d", "7d"), ("30d", "30d"), (None, "24h"), ("", "24h"), ("1y", "24h"), ("7D", "24h")],
)
def test_a_period_is_24_hours_7_days_or_30_days_and_24_hours_for_anything_else(value, key):
    assert period_from(value).key == key


def test_buckets_are_hours_for_24_hours_and_days_otherwise():
    hours = dashboard(DAY, NOW).sign_ups.chart.buckets
    days = dashboard(PERIODS["30d"], NOW).sign_ups.chart.buckets

    # The hour holding NOW - 24 h (partly in the period) to the hour holding NOW.
    assert (len(hours), hours[0], hours[-1]) == (
        25,
        datetime(2026, 3, 9, 12, tzinfo=UTC),
        datetime(2026, 3, 10, 12, tzinfo=UTC),
    )
    assert (len(days), days[0], days[-1]) == (31, date(2026, 2, 8), date(2026, 3, 10))


def test_buckets_follow_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Australia/Sydney"  # UTC+11 in March (daylight saving)
    # 14:00 UTC on the 9th is 01:00 on the 10th in Sydney.
    make_user("late@example.com", datetime(2026, 3, 9, 14, tzinfo=UTC))

    chart = dashboard(WEEK, NOW).sign_ups.chart

    assert chart.buckets[-1] == date(2026, 3, 10)  # NOW is 23:30 on the 10th in Sydney
    verified = dict(zip(chart.buckets, chart.series[0].values, strict=True))
    assert (verified[date(2026, 3, 10)], verified[date(2026, 3, 9)]) == (1, 0)
    hours = dashboard(DAY, NOW).sign_ups.chart
    sydney = timezone.get_current_timezone()
    assert (hours.buckets[0], hours.buckets[-1]) == (
        datetime(2026, 3, 9, 23, tzinfo=sydney),
        datetime(2026, 3, 10, 23, tzinfo=sydney),
    )
    hourly = dict(zip(hours.buckets, hours.series[0].values, strict=True))
    assert (hourly[datetime(2026, 3, 10, 1, tzinfo=sydney)], sum(hourly.values())) == (1, 1)


# Each figure and its link -------------------------------------------------------------------


def test_sign_ups_are_the_periods_accounts_verified_or_not(admin_client):
    verified = make_user("one@example.com", INSIDE)
    pending = make_user("two@example.com", NOW - timedelta(hours=3), verified=False)
    older = make_user("three@example.com", EARLIER, verified=False)
    make_user("later@example.com", NOW + timedelta(seconds=1))  # after NOW: not in its figures

    sign_ups = dashboard(DAY, NOW).sign_ups

    assert (sign_ups.total.value, sign_ups.verified.value, sign_ups.pending.value) == (2, 1, 1)
    assert [(series.label, sum(series.values)) for series in sign_ups.chart.series] == [
        ("Verified", 1),
        ("Not verified yet", 1),
    ]
    assert sign_ups.chart.series[0].values[-2:] == (1, 0)  # 11:30 is in the hour before NOW's
    assert listed(admin_client, sign_ups.total.url) == keys([verified, pending])
    assert listed(admin_client, sign_ups.chart.url) == keys([verified, pending])
    assert listed(admin_client, sign_ups.verified.url) == keys([verified])
    assert listed(admin_client, sign_ups.pending.url) == keys([pending])
    week = dashboard(WEEK, NOW).sign_ups
    assert (week.total.value, week.pending.value) == (3, 2)
    assert listed(admin_client, week.pending.url) == keys([pending, older])


def test_sign_ins_count_successes_failures_and_lockouts(admin_client):
    succeeded = [auth_event("login_success", INSIDE - timedelta(minutes=n)) for n in range(3)]
    failed = [auth_event("login_failed", INSIDE), auth_event("login_failed", NOW - timedelta(hours=5))]
    locked = [auth_event("account_locked", INSIDE)]
    auth_event("login_success", EARLIER)
    auth_event("logout", INSIDE)  # not a sign-in

    sign_ins = dashboard(DAY, NOW).sign_ins

    assert [(f.label, f.value) for f in sign_ins.figures] == [("Successful", 3), ("Failed", 2), ("Lockouts", 1)]
    assert [sum(series.values) for series in sign_ins.chart.series] == [3, 2, 1]
    assert listed(admin_client, sign_ins.succeeded.url) == keys(succeeded)
    assert listed(admin_client, sign_ins.failed.url) == keys(failed)
    assert listed(admin_client, sign_ins.locked.url) == keys(locked)
    assert listed(admin_client, sign_ins.chart.url) == keys(succeeded + failed + locked)


def test_active_sessions_are_those_neither_ended_nor_expired_now(admin_client, user):
    now = timezone.now()

    def session(key, **fields):
        return UserSession.objects.create(
            session_key=key,
            user=user,
            authenticated_at=now - timedelta(days=3),
            last_seen_at=now,
            expires_at=fields.pop("expires_at", now + timedelta(days=1)),
            **fields,
        )

    active = session("a")
    session("b", expires_at=now - timedelta(seconds=1))
    session("c", ended_at=now, end_reason="logout")

    figure = dashboard(DAY, now).active_sessions

    assert figure.value == 1
    assert listed(admin_client, figure.url) == keys([active])


def test_requests_by_status_class_and_the_5xx_rate(admin_client):
    by_status = {code: api_requests([api_request(status=code)])[0] for code in (200, 201, 302, 404, 500, 503)}
    api_requests([api_request(status=500, created=EARLIER)])

    requests = dashboard(DAY, NOW).requests

    assert requests.total.value == 6
    assert [(f.label, f.value) for f in requests.by_class] == [("2xx", 2), ("3xx", 1), ("4xx", 1), ("5xx", 2)]
    assert requests.server_error_rate == pytest.approx(100 * 2 / 6)
    assert [sum(series.values) for series in requests.chart.series] == [2, 1, 1, 2]
    assert listed(admin_client, requests.total.url) == keys(by_status.values())
    assert listed(admin_client, requests.chart.url) == keys(by_status.values())
    for figure, codes in zip(requests.by_class, [(200, 201), (302,), (404,), (500, 503)], strict=True):
        assert listed(admin_client, figure.url) == keys(by_status[code] for code in codes)


def test_no_requests_no_rate_and_no_latencies():
    requests = dashboard(DAY, NOW).requests

    assert (requests.total.value, requests.server_error_rate, requests.endpoints) == (0, None, ())


def test_latency_is_the_nearest_rank_p50_and_p95_of_the_busiest_paths(admin_client):
    # Durations 1..100 in a shuffled order: p50 is 50 ms, p95 is 95 ms.
    busy = api_requests([api_request("/api/v1/busy", duration=(n * 37) % 100 + 1) for n in range(100)])
    api_requests([api_request("/api/v1/busy", duration=10_000, created=EARLIER)])  # outside: not the p95
    api_requests([api_request("/api/v1/three", duration=d) for d in (30, 10, 20)])
    api_requests([api_request("/api/v1/once", duration=7)])

    endpoints = dashboard(DAY, NOW).requests.endpoints

    assert [(e.path, e.requests, e.p50_ms, e.p95_ms) for e in endpoints] == [
        ("/api/v1/busy", 100, 50, 95),
        ("/api/v1/three", 3, 20, 30),
        ("/api/v1/once", 1, 7, 7),
    ]
    assert listed(admin_client, endpoints[0].url) == keys(busy)


def test_latency_is_to_10_ms_below_10_seconds_and_to_100_ms_above():
    api_requests([api_request("/api/v1/slow", duration=d) for d in (1507, 1234, 25_123, 999)])

    (endpoint,) = dashboard(DAY, NOW).requests.endpoints

    # Ranks 2 and 4 of the steps 999, 1230, 1500, 25100.
    assert (endpoint.p50_ms, endpoint.p95_ms) == (1230, 25_100)


def test_latency_covers_the_ten_busiest_paths_only():
    rows = [api_request(f"/api/v1/path{n:02}") for n in range(TOP_PATHS + 1) for _ in range(n + 1)]
    api_requests(rows)

    endpoints = dashboard(DAY, NOW).requests.endpoints

    assert [e.path for e in endpoints] == [f"/api/v1/path{n:02}" for n in range(TOP_PATHS, 0, -1)]
    assert [e.requests for e in endpoints] == list(range(TOP_PATHS + 1, 1, -1))


def test_application_errors_and_their_most_frequent_messages(admin_client):
    long_start = "Order 1 failed: " + "x" * 80
    same_start = [
        app_error("billing.TaxError", long_start + " (first)"),
        app_error("billing.TaxError", long_start + " (second)"),
    ]
    same_start.append(app_error("billing.TaxError", long_start, created=NOW - timedelta(hours=2)))
    value_errors = [app_error("ValueError", "bad value"), app_error("ValueError", "bad value")]
    singles = [
        app_error(f"Error{n}", "once", created=INSIDE - timedelta(minutes=n))
        for n in range(TOP_ERRORS)  # newest first
    ]
    app_error("ValueError", "bad value", created=EARLIER)

    errors = dashboard(DAY, NOW).errors

    assert errors.total.value == 3 + 2 + TOP_ERRORS
    assert [(g.error_type, g.message, g.count) for g in errors.top] == [
        ("billing.TaxError", long_start[:80], 3),
        ("ValueError", "bad value", 2),
        ("Error0", "once", 1),
        ("Error1", "once", 1),
        ("Error2", "once", 1),
    ]
    assert errors.top[0].last_seen == INSIDE
    assert listed(admin_client, errors.total.url) == keys(same_start + value_errors + singles)
    assert listed(admin_client, errors.top[0].url) == keys(same_start)
    assert listed(admin_client, errors.top[1].url) == keys(value_errors)
    assert listed(admin_client, errors.top[2].url) == keys(singles[:1])


def test_emails_by_type_and_status_and_the_oldest_still_waiting(admin_client):
    sent = [email("invitation", "sent"), email("invitation", "sent"), email("password_reset", "sent")]
    failed = [email("invitation", "failed")]
    queued = [email("email_verification", "queued")]
    stuck = email("password_reset", "queued", created=LONG_AGO)  # before the period: waiting, not counted
    email("invitation", "sent", created=EARLIER)

    emails = dashboard(DAY, NOW).emails

    assert [(f.label, f.value) for f in emails.figures] == [("Sent", 3), ("Failed", 1), ("Queued", 1)]
    assert [(row.email_type, [f.value for f in row.figures]) for row in emails.rows] == [
        ("invitation", [2, 1, 0]),
        ("email_verification", [0, 0, 1]),
        ("password_reset", [1, 0, 0]),
    ]
    assert (emails.waiting.value, emails.oldest_waiting_since) == (2, LONG_AGO)
    assert emails.waiting_is_late
    assert listed(admin_client, emails.sent.url) == keys(sent)
    assert listed(admin_client, emails.failed.url) == keys(failed)
    assert listed(admin_client, emails.queued.url) == keys(queued)
    assert listed(admin_client, emails.rows[0].sent.url) == keys(sent[:2])
    assert listed(admin_client, emails.rows[0].failed.url) == keys(failed)
    assert listed(admin_client, emails.waiting.url) == keys([stuck, *queued])
    assert listed(admin_client, emails.oldest_waiting_url) == keys([stuck])


def test_a_message_waiting_a_few_seconds_is_not_late():
    email("invitation", "queued", created=timezone.now() - timedelta(seconds=5))

    emails = dashboard(DAY, timezone.now()).emails

    assert (emails.waiting.value, emails.waiting_is_late) == (1, False)
    assert dashboard(DAY, NOW).emails.oldest_waiting_url != ""
    EmailDelivery.objects.update(status="sent")
    assert dashboard(DAY, NOW).emails.oldest_waiting_url == ""


@pytest.fixture
def invite(user):
    company = Company.objects.create(company_name="Acme Events", country=Country.objects.get(country_code="AU"))
    role = reference_id(UserCompanyRole, UserCompanyRole.COMPANY_USER)
    statuses = {
        code: reference_id(UserInvitationStatus, code)
        for code in ("pending", "accepted", "declined", "expired", "cancelled")
    }

    def make(status: str, invited_at: datetime, expires_at: datetime, **dates) -> UserInvitation:
        return UserInvitation.objects.create(
            company=company,
            invited_email=f"{uuid.uuid4().hex}@example.com",
            token_hash=uuid.uuid4().hex * 2,
            role_id=role,
            status_id=statuses[status],
            invited_by=user,
            invited_at=invited_at,
            expires_at=expires_at,
            **dates,
        )

    return make


def test_invitations_sent_accepted_declined_and_expired_in_the_period(admin_client, invite):
    week_ago = NOW - timedelta(days=6)
    sent = invite("pending", INSIDE, INSIDE + timedelta(days=7))
    accepted = invite("accepted", week_ago, week_ago + timedelta(days=7), accepted_at=INSIDE)
    declined = invite("declined", week_ago, week_ago + timedelta(days=7), declined_at=INSIDE)
    # Expired in the period: marked already, or not yet by invitations_expire.
    expired = [
        invite("expired", week_ago, NOW - timedelta(hours=2), expired_at=NOW - timedelta(hours=1)),
        invite("pending", week_ago, NOW - timedelta(hours=3)),
    ]
    invite("cancelled", week_ago, NOW - timedelta(hours=2), cancelled_at=week_ago + timedelta(days=1))
    invite("expired", NOW - timedelta(days=20), EARLIER, expired_at=EARLIER)

    invitations = dashboard(DAY, NOW).invitations

    assert [(f.label, f.value) for f in invitations.figures] == [
        ("Sent", 1),
        ("Accepted", 1),
        ("Declined", 1),
        ("Expired", 2),
    ]
    if not admin.site.is_registered(UserInvitation):
        # The back office has no list of invitations (only each company's): nothing to link to.
        assert [f.url for f in invitations.figures] == ["", "", "", ""]
        return
    assert listed(admin_client, invitations.sent.url) == keys([sent])
    assert listed(admin_client, invitations.accepted.url) == keys([accepted])
    assert listed(admin_client, invitations.declined.url) == keys([declined])
    assert listed(admin_client, invitations.expired.url) == keys(expired)


def test_abr_lookups_the_hit_rate_and_the_failures(admin_client):
    def lookups(outcome, count, created=INSIDE):
        return [
            AbrLookup.objects.create(search_type="abn", outcome=outcome, created_date=created) for _ in range(count)
        ]

    rows = {
        outcome: lookups(outcome, count) for outcome, count in (("hit", 6), ("miss", 2), ("stale", 1), ("failed", 1))
    }
    lookups("failed", 3, created=EARLIER)

    abr = dashboard(DAY, NOW).abr

    assert abr.total.value == 10
    assert [(f.label, f.value) for f in abr.by_outcome] == [
        ("Cache hits", 6),
        ("Asked ABR", 2),
        ("ABR failed, stale answer served", 1),
        ("ABR failed, no answer", 1),
    ]
    assert (abr.hit_rate, abr.failures.value) == (60.0, 2)
    assert listed(admin_client, abr.total.url) == keys(row for outcome in rows.values() for row in outcome)
    for figure, outcome in zip(abr.by_outcome, rows, strict=True):
        assert listed(admin_client, figure.url) == keys(rows[outcome])
    assert listed(admin_client, abr.failures.url) == keys(rows["stale"] + rows["failed"])
    assert dashboard(DAY, NOW - timedelta(days=3)).abr.hit_rate is None  # no lookups


# The page -----------------------------------------------------------------------------------


@pytest.fixture
def busy_day(user, invite):
    """A row for every figure in the last hour, so every link on the page has something to show."""
    now = timezone.now()
    a_while_ago = now - timedelta(minutes=5)
    make_user("new@example.com", a_while_ago, verified=False)
    make_user("newer@example.com", a_while_ago)
    UserSession.objects.create(
        session_key="k", user=user, authenticated_at=now, last_seen_at=now, expires_at=now + timedelta(days=1)
    )
    for event in ("login_success", "login_failed", "account_locked"):
        auth_event(event, now - timedelta(minutes=5))
    api_requests([api_request(status=code, created=now - timedelta(minutes=5)) for code in (200, 302, 404, 500)])
    app_error("builtins.KeyError", "'<b>missing</b>' & more", created=now - timedelta(minutes=5))
    for status in ("sent", "failed", "queued"):
        email("invitation", status, created=now - timedelta(minutes=5))
    for outcome in ("hit", "miss", "stale", "failed"):
        AbrLookup.objects.create(search_type="name", outcome=outcome, created_date=now - timedelta(minutes=5))
    for status, dates in (
        ("pending", {}),
        ("accepted", {"accepted_at": a_while_ago}),
        ("declined", {"declined_at": a_while_ago}),
        ("expired", {"expires_at": a_while_ago, "expired_at": a_while_ago}),
    ):
        invited_at = a_while_ago if status == "pending" else now - timedelta(days=2)
        invite(status, invited_at, dates.pop("expires_at", now + timedelta(days=7)), **dates)


def dashboard_links(page: str) -> list[str]:
    section = page[page.index('<section id="operations"') : page.index("</section>")]
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', section) if not href.startswith("?period=")]


def test_the_index_shows_the_dashboard_above_the_app_list(admin_client, busy_day):
    page = admin_client.get(INDEX).content.decode()

    assert page.index('<section id="operations"') < page.index('<div id="content-main">') < page.index("app-accounts")
    assert page.count('<svg class="ops-chart"') == 3  # sign-ups, sign-ins, requests
    # The error's message is text, escaped, never markup.
    assert "&#x27;&lt;b&gt;missing&lt;/b&gt;&#x27; &amp; more" in page and "<b>missing</b>" not in page


def test_every_link_on_the_dashboard_opens_its_list(admin_client, busy_day):
    links = dashboard_links(admin_client.get(INDEX).content.decode())

    assert len(links) >= 30
    for link in set(links):
        assert listed(admin_client, link), link  # and each lists at least the row made for it


def test_the_period_is_chosen_in_the_address_and_anything_unknown_is_24_hours(admin_client):
    auth_event("login_success", timezone.now() - timedelta(days=3))

    def shown(query):
        response = admin_client.get(INDEX, query)
        return response.context["dashboard"].period.key, response.context["dashboard"].sign_ins.succeeded.value

    assert shown({}) == ("24h", 0)
    assert shown({"period": "7d"}) == ("7d", 1)
    assert shown({"period": "30d"}) == ("30d", 1)
    assert shown({"period": "forever"}) == ("24h", 0)
    page = admin_client.get(INDEX, {"period": "7d"}).content.decode()
    assert '<a href="?period=7d" aria-current="page">Last 7 days</a>' in page


@pytest.mark.parametrize("who", ["anonymous", "company user"])
def test_only_system_admins_see_it_and_nothing_is_computed_for_anyone_else(client, user, who):
    if who == "company user":
        client.force_login(user)

    response = client.get(INDEX)

    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert cache.get(CACHE_KEY.format(period="24h")) is None


@pytest.fixture
def no_cache_cleanup(monkeypatch):
    """The cache's once-a-minute cleanup would add a DELETE to whichever test comes first."""
    monkeypatch.setattr(DatabaseCache, "_expired_deleted_at", float("inf"))


def test_a_cold_page_runs_a_fixed_number_of_queries_and_the_next_load_uses_the_cache(
    admin_client, busy_day, no_cache_cleanup, django_assert_num_queries
):
    with django_assert_num_queries(INDEX_QUERIES + CACHE_READ + QUERY_COUNT + CACHE_WRITE):
        first = admin_client.get(INDEX)
    auth_event("login_success", timezone.now())  # within the minute: not shown yet

    with django_assert_num_queries(INDEX_QUERIES + CACHE_READ):
        second = admin_client.get(INDEX)

    assert first.context["dashboard"] == second.context["dashboard"]
    assert second.context["dashboard"].sign_ins.succeeded.value == 1
    cache.delete(CACHE_KEY.format(period="24h"))  # as it expires
    assert admin_client.get(INDEX).context["dashboard"].sign_ins.succeeded.value == 2


def test_each_period_is_cached_on_its_own_for_at_most_a_minute(admin_client, no_cache_cleanup):
    before = timezone.now()
    admin_client.get(INDEX, {"period": "7d"})

    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, expires FROM django_cache")
        stored = dict(cursor.fetchall())

    assert list(stored) == [":1:" + CACHE_KEY.format(period="7d")]
    expires = stored[":1:" + CACHE_KEY.format(period="7d")]
    expires = datetime.fromisoformat(expires) if isinstance(expires, str) else expires
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    assert timedelta(0) < expires - before <= timedelta(seconds=CACHE_SECONDS + 1)


# Charts -------------------------------------------------------------------------------------


def chart(*series: Series, buckets=(date(2026, 3, 9), date(2026, 3, 10)), title="Sign-ups") -> Chart:
    return Chart(title=title, buckets=buckets, series=series, url="/admin/")


def test_a_chart_stacks_its_series_on_a_round_scale():
    svg = chart(Series("Verified", "ok", (3, 0)), Series("Pending", "quiet", (1, 2))).svg

    bars = re.findall(r'<rect class="tone-(\w+)" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)">', svg)
    # Scale 0..5 over 108 px: 3 is 64.8 px up from the baseline at y=118, 1 more on top of it.
    assert bars == [("ok", "53.2", "64.8"), ("quiet", "31.6", "21.6"), ("quiet", "74.8", "43.2")]
    assert '<text class="chart-text" x="32" y="13.5" text-anchor="end">5</text>' in svg
    assert re.findall(r'text-anchor="end">([\d.,]+)<', svg) == ["0", "5"]  # no half-way "2.5"
    assert "<title>Mon 9 Mar: Verified 3, Pending 1</title>" in svg
    assert 'aria-label="Sign-ups: Verified 3, Pending 3"' in svg


def test_a_chart_names_no_colour_so_both_admin_themes_apply():
    svg = chart(Series("A", "ok", (1, 2)), Series("B", "bad", (0, 1))).svg

    assert not re.search(r"#[0-9a-fA-F]{3}|rgb|fill=|stroke=|style=", svg)
    assert set(re.findall(r'class="([\w -]+)"', svg)) == {
        "ops-chart",
        "chart-rule",
        "chart-text",
        "chart-slot",
        "tone-ok",
        "tone-bad",
    }


def test_a_chart_escapes_its_labels():
    svg = chart(Series('<script>alert("x")</script>', "ok", (1, 1)), title="A & B").svg

    assert "<script>" not in svg
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 1" in svg
    assert 'aria-label="A &amp; B: ' in svg


def test_a_chart_of_hours_names_at_most_six_of_them_the_latest_always():
    hours = tuple(datetime(2026, 3, 9, 12, tzinfo=UTC) + timedelta(hours=n) for n in range(25))
    svg = chart(Series("Requests", "ok", (0,) * 25), buckets=hours).svg

    labels = re.findall(r'text-anchor="middle">([\d:]+)</text>', svg)
    assert labels == ["16:00", "21:00", "02:00", "07:00", "12:00"]
    assert "<title>9 Mar 12:00: Requests 0</title>" in svg


@pytest.mark.parametrize(("peak", "top"), [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (10, 10), (11, 20), (4321, 5000)])
def test_the_scale_tops_at_a_round_number(peak, top):
    assert charts.nice_ceiling(peak) == top


def test_charts_are_linked_to_their_lists_and_the_dashboard_needs_no_script(admin_client, busy_day):
    response = admin_client.get(INDEX)
    page, figures = response.content.decode(), response.context["dashboard"]

    linked = re.findall(r'<a class="chart-link" href="([^"]+)"><svg class="ops-chart"', page)
    assert [unescape(href) for href in linked] == [
        figures.sign_ups.chart.url,
        figures.sign_ins.chart.url,
        figures.requests.chart.url,
    ]
    assert "<script" not in page[page.index('<section id="operations"') : page.index("</section>")]
