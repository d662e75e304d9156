"""The operations dashboard on the back office's index: is the service healthy right now?

Sign-ups, sign-ins, sessions, the API's traffic, latency and errors, email, invitations and
the ABR cache over the last 24 hours, 7 days or 30 days, each figure with the changelist of
the rows it counts (``Figure.url``). ``dashboard()`` computes the figures; ``cached_dashboard()``
keeps them for ``CACHE_SECONDS``, so a busy index costs the queries once a minute.

Cost (``bench/dashboard.py`` measures it on PostgreSQL with a million API requests): every
query reads one table over its indexed date column (the users' and invitations' dates are not
indexed; those tables are small) and groups in the database by hour or day (``TruncHour``,
``TruncDate``: the same on SQLite, PostgreSQL and SQL Server), so what comes back is one row
per bucket, never the rows. A cold page runs ``QUERY_COUNT`` queries whatever the volume.

Latency percentiles are nearest-rank (p95 is the smallest duration that at least 95% of the
requests did not exceed), for the ten busiest paths, from a histogram the database groups:
exact to the millisecond below one second (``_latencies``). One portable query serves SQLite,
PostgreSQL and SQL Server alike: SQLite has no percentile aggregate, SQL Server's
``PERCENTILE_CONT`` is a window function only, and PostgreSQL's ``percentile_cont`` sorts every
request of the period: 438 ms against the histogram's 159 ms for 30 days of a million requests
with the bench's rows (``bench/dashboard.py``), and a numbering window (``ROW_NUMBER``) 1,067 ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Case, CharField, Count, F, IntegerField, Max, Min, Q, QuerySet, When
from django.db.models.functions import Cast, Substr, TruncDate, TruncHour
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import User, UserSession
from companies.models import UserInvitation
from logging_app.models import (
    AbrLookup,
    AbrLookupOutcome,
    ApiRequest,
    ApplicationError,
    AuthEvent,
    AuthEventType,
    EmailDelivery,
    EmailStatus,
)

from . import charts
from .links import changelist_url

CACHE_SECONDS = 60
# The version changes with the dataclasses below, so no process unpickles another's shape.
CACHE_KEY = "backoffice:dashboard:v1:{period}"
# Queries of a cold page: one per figure group (see ``dashboard``); one fewer without API requests.
QUERY_COUNT = 12
TOP_PATHS = 10
TOP_ERRORS = 5
# Error messages are grouped by their first characters: the same error with different ids.
ERROR_PREFIX_LENGTH = 80
# A queued message is taken by the worker within seconds (a failed one is no longer queued):
# one older than this means no worker is taking them.
EMAIL_LATE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    span: timedelta
    bucket: str  # "hour" or "day"


PERIODS = {
    period.key: period
    for period in (
        Period("24h", "Last 24 hours", timedelta(hours=24), "hour"),
        Period("7d", "Last 7 days", timedelta(days=7), "day"),
        Period("30d", "Last 30 days", timedelta(days=30), "day"),
    )
}
DEFAULT_PERIOD = "24h"


def period_from(value: str | None) -> Period:
    """The period a ``?period=`` value names; the default (24 hours) for anything else."""
    return PERIODS.get(value or "", PERIODS[DEFAULT_PERIOD])


# Figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A number and the back-office list of the rows it counts ("" when they have none)."""

    label: str
    value: int
    url: str
    tone: str = ""  # the colour of its series in a chart: "ok", "warn", "bad", "quiet"


@dataclass(frozen=True)
class Series:
    label: str
    tone: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """Counts per hour or per day, stacked; the whole chart links to ``url``."""

    title: str
    buckets: tuple[datetime, ...] | tuple[date, ...]
    series: tuple[Series, ...]
    url: str

    @property
    def svg(self) -> SafeString:
        return charts.stacked_bars(self)


@dataclass(frozen=True)
class SignUps:
    total: Figure
    verified: Figure
    pending: Figure
    chart: Chart

    @property
    def figures(self) -> tuple[Figure, ...]:
        return (self.verified, self.pending)


@dataclass(frozen=True)
class SignIns:
    succeeded: Figure
    failed: Figure
    locked: Figure
    chart: Chart

    @property
    def figures(self) -> tuple[Figure, ...]:
        return (self.succeeded, self.failed, self.locked)


@dataclass(frozen=True)
class EndpointLatency:
    path: str
    requests: int
    # To the millisecond below 1 s, 10 ms below 10 s, 100 ms above (``_duration_step``).
    p50_ms: int | None  # None only if the path's rows left the period between the two queries
    p95_ms: int | None
    url: str


@dataclass(frozen=True)
class Requests:
    total: Figure
    by_class: tuple[Figure, ...]  # 2xx, 3xx, 4xx, 5xx
    server_error_rate: float | None  # 5xx per request, as a percentage; None without requests
    chart: Chart
    endpoints: tuple[EndpointLatency, ...]


@dataclass(frozen=True)
class ErrorGroup:
    error_type: str
    message: str  # the first ERROR_PREFIX_LENGTH characters
    count: int
    last_seen: datetime
    url: str


@dataclass(frozen=True)
class Errors:
    total: Figure
    top: tuple[ErrorGroup, ...]


@dataclass(frozen=True)
class EmailRow:
    email_type: str
    sent: Figure
    failed: Figure
    queued: Figure

    @property
    def figures(self) -> tuple[Figure, ...]:
        return (self.sent, self.failed, self.queued)


@dataclass(frozen=True)
class Emails:
    rows: tuple[EmailRow, ...]  # the types sent in the period, most used first
    sent: Figure
    failed: Figure
    queued: Figure
    waiting: Figure  # every queued message, whenever it was queued
    oldest_waiting_since: datetime | None  # a worker that has stopped shows here
    oldest_waiting_url: str  # the list of the oldest waiting message(s)

    @property
    def figures(self) -> tuple[Figure, ...]:
        return (self.sent, self.failed, self.queued)

    @property
    def waiting_is_late(self) -> bool:
        """A message has waited longer than a working worker ever leaves one."""
        since = self.oldest_waiting_since
        return since is not None and timezone.now() - since > EMAIL_LATE_AFTER


@dataclass(frozen=True)
class Invitations:
    sent: Figure
    accepted: Figure
    declined: Figure
    expired: Figure

    @property
    def figures(self) -> tuple[Figure, ...]:
        return (self.sent, self.accepted, self.declined, self.expired)


@dataclass(frozen=True)
class AbrLookups:
    total: Figure
    by_outcome: tuple[Figure, ...]  # hit, miss, stale, failed
    failures: Figure  # ABR asked and not answering: stale and failed
    hit_rate: float | None  # answered from a fresh cache entry, as a percentage


@dataclass(frozen=True)
class Dashboard:
    period: Period
    since: datetime
    until: datetime
    sign_ups: SignUps
    sign_ins: SignIns
    active_sessions: Figure
    requests: Requests
    errors: Errors
    emails: Emails
    invitations: Invitations
    abr: AbrLookups


# Computing them -----------------------------------------------------------------------------


def cached_dashboard(period: Period, *, now: datetime | None = None) -> Dashboard:
    """The period's figures as computed at most ``CACHE_SECONDS`` ago."""
    key = CACHE_KEY.format(period=period.key)
    figures = cache.get(key)
    if figures is None:
        figures = dashboard(period, now or timezone.now())
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def dashboard(period: Period, now: datetime) -> Dashboard:
    """Every figure of the dashboard for the ``period`` up to ``now``: ``QUERY_COUNT`` queries."""
    window = _Window(period, now)
    return Dashboard(
        period=period,
        since=window.since,
        until=window.until,
        sign_ups=_sign_ups(window),
        sign_ins=_sign_ins(window),
        active_sessions=_active_sessions(now),
        requests=_requests(window),
        errors=_errors(window),
        emails=_emails(window),
        invitations=_invitations(window),
        abr=_abr(window),
    )


class _Window:
    """The period's date range, its buckets, and links to changelists filtered to it."""

    def __init__(self, period: Period, now: datetime):
        self.period, self.until = period, now
        self.since = now - period.span
        self.buckets = _hours(self.since, now) if period.bucket == "hour" else _days(self.since, now)

    def rows(self, queryset: QuerySet, field: str = "created_date") -> QuerySet:
        return queryset.filter(**{f"{field}__gte": self.since, f"{field}__lte": self.until})

    def per_bucket(self, queryset: QuerySet, field: str = "created_date") -> QuerySet:
        """The period's rows grouped by hour or day: ``.values("bucket")``, to be annotated."""
        trunc = TruncHour if self.period.bucket == "hour" else TruncDate
        return self.rows(queryset, field).annotate(bucket=trunc(field)).values("bucket").order_by()

    def range_query(self, field: str = "created_date") -> dict[str, str]:
        return {f"{field}__gte": self.since.isoformat(), f"{field}__lte": self.until.isoformat()}

    def url(self, model, field: str = "created_date", **filters: str) -> str:
        """The changelist of ``model`` showing the period's rows that match ``filters``."""
        return _changelist(model, {**self.range_query(field), **filters})

    def chart(self, title: str, url: str, rows: list[dict], series: list[tuple[str, str, str]]) -> Chart:
        """A chart of ``rows`` (one dict per bucket, as grouped) with each (label, tone, key) stacked."""
        by_bucket = {row["bucket"]: row for row in rows}
        return Chart(
            title=title,
            buckets=tuple(self.buckets),
            series=tuple(
                Series(label, tone, tuple(by_bucket.get(bucket, {}).get(key, 0) for bucket in self.buckets))
                for label, tone, key in series
            ),
            url=url,
        )


def _hours(since: datetime, until: datetime) -> list[datetime]:
    """Every hour (local time, as ``TruncHour`` gives them) from the one holding ``since`` to ``until``."""
    hour = timezone.localtime(since).replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour <= until:
        hours.append(hour)
        # Through UTC, so a daylight-saving change neither repeats nor skips an hour.
        hour = timezone.localtime(hour.astimezone(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return hours


def _days(since: datetime, until: datetime) -> list[date]:
    first, last = timezone.localdate(since), timezone.localdate(until)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _changelist(model, filters: Mapping[str, str]) -> str:
    """The model's changelist URL with ``filters``; "" when the back office does not list it."""
    try:
        return changelist_url(model, urlencode(filters))
    except NoReverseMatch:
        return ""


def _percentage(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


# Each figure group: one query unless its docstring says otherwise. ------------------------


def _sign_ups(window: _Window) -> SignUps:
    """Accounts created in the period; verified once the address is confirmed (whenever that was)."""
    rows = list(
        window.per_bucket(User.objects.all()).annotate(
            total=Count("pk"), verified=Count("pk", filter=Q(email_verified_at__isnull=False))
        )
    )
    for row in rows:
        row["pending"] = row["total"] - row["verified"]
    verified, pending = (sum(row[key] for row in rows) for key in ("verified", "pending"))
    url = window.url(User)
    return SignUps(
        total=Figure("Sign-ups", verified + pending, url),
        verified=Figure("Verified", verified, window.url(User, verified="yes"), "ok"),
        pending=Figure("Not verified yet", pending, window.url(User, verified="no"), "quiet"),
        chart=window.chart(
            "Sign-ups", url, rows, [("Verified", "ok", "verified"), ("Not verified yet", "quiet", "pending")]
        ),
    )


SIGN_IN_EVENTS = (
    # (event, label, tone)
    (AuthEventType.LOGIN_SUCCESS, "Successful", "ok"),
    (AuthEventType.LOGIN_FAILED, "Failed", "warn"),
    (AuthEventType.ACCOUNT_LOCKED, "Lockouts", "bad"),
)


def _sign_ins(window: _Window) -> SignIns:
    events = [event for event, _, _ in SIGN_IN_EVENTS]
    rows = list(
        window.per_bucket(AuthEvent.objects.filter(event_type__in=events)).annotate(
            **{event.value: Count("pk", filter=Q(event_type=event)) for event in events}
        )
    )
    figures = [
        Figure(label, sum(row[event.value] for row in rows), window.url(AuthEvent, event_type__exact=event), tone)
        for event, label, tone in SIGN_IN_EVENTS
    ]
    chart = window.chart(
        "Sign-ins",
        window.url(AuthEvent, event_type__in=",".join(events)),
        rows,
        [(label, tone, event.value) for event, label, tone in SIGN_IN_EVENTS],
    )
    succeeded, failed, locked = figures
    return SignIns(succeeded=succeeded, failed=failed, locked=locked, chart=chart)


def _active_sessions(now: datetime) -> Figure:
    """Sessions not ended and not expired now (``UserSession.is_active_at``), whenever they began."""
    count = UserSession.objects.filter(ended_at__isnull=True, expires_at__gt=now).count()
    return Figure("Active sessions", count, _changelist(UserSession, {"state": "active"}))


STATUS_CLASSES = (
    # (hundreds, tone)
    (2, "ok"),
    (3, "quiet"),
    (4, "warn"),
    (5, "bad"),
)


def _requests(window: _Window) -> Requests:
    """Requests per bucket by status class, then the busiest paths and their latency: three queries."""
    rows = list(
        window.per_bucket(ApiRequest.objects.all()).annotate(
            total=Count("pk"),
            **{
                f"{hundreds}xx": Count(
                    "pk", filter=Q(status_code__gte=hundreds * 100, status_code__lt=hundreds * 100 + 100)
                )
                for hundreds, _ in STATUS_CLASSES
            },
        )
    )
    total = sum(row["total"] for row in rows)
    by_class = tuple(
        Figure(
            f"{hundreds}xx",
            sum(row[f"{hundreds}xx"] for row in rows),
            window.url(ApiRequest, status_class=str(hundreds)),
            tone,
        )
        for hundreds, tone in STATUS_CLASSES
    )
    url = window.url(ApiRequest)
    return Requests(
        total=Figure("API requests", total, url),
        by_class=by_class,
        server_error_rate=_percentage(by_class[-1].value, total),
        chart=window.chart(
            "API requests", url, rows, [(figure.label, figure.tone, figure.label) for figure in by_class]
        ),
        endpoints=_latencies(window),
    )


def _latencies(window: _Window) -> tuple[EndpointLatency, ...]:
    """p50 and p95 of the ``TOP_PATHS`` busiest paths: two queries (one without requests).

    The first counts the requests per path. The second counts the busiest paths' requests per
    duration step (``_duration_step``): a histogram of at most a few thousand rows whatever
    the volume, grouped by hashing rather than by sorting every request (a sort of a million
    durations spills to disk with PostgreSQL's default ``work_mem``). Each percentile is then
    the first step at which the running count reaches its rank (``_rank``).
    """
    busiest = list(
        window.rows(ApiRequest.objects.all())
        .values("path")
        .annotate(requests=Count("pk"))
        .order_by("-requests", "path")[:TOP_PATHS]
    )
    if not busiest:
        return ()
    histograms: dict[str, list[tuple[int, int]]] = {row["path"]: [] for row in busiest}
    for row in (
        window.rows(ApiRequest.objects.filter(path__in=histograms))
        .annotate(duration=_duration_step())
        .values("path", "duration")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        histograms[row["path"]].append((row["duration"], row["count"]))
    return tuple(
        EndpointLatency(
            path=row["path"],
            requests=row["requests"],
            p50_ms=_percentile(histograms[row["path"]], 50),
            p95_ms=_percentile(histograms[row["path"]], 95),
            url=window.url(ApiRequest, path=row["path"]),
        )
        for row in busiest
    )


def _duration_step() -> Case:
    """A request's duration to the millisecond below 1 s, to 10 ms below 10 s, to 100 ms above.

    Integer division on all three engines (both operands are integers), so the steps are the
    same on SQLite, PostgreSQL and SQL Server; a path has at most about 2,000 steps below 10 s.
    """
    duration = F("duration_ms")
    return Case(
        When(duration_ms__lt=1000, then=duration),
        When(duration_ms__lt=10_000, then=duration / 10 * 10),
        default=duration / 100 * 100,
        output_field=IntegerField(),
    )


def _percentile(histogram: list[tuple[int, int]], percentile: int) -> int | None:
    """The step holding the ``percentile``-th percentile of the counted durations (nearest rank)."""
    rank = _rank(sum(count for _, count in histogram), percentile)
    seen = 0
    for duration, count in sorted(histogram):
        seen += count
        if seen >= rank:
            return duration
    return None  # no rows: the path's requests left the period between the two queries


def _rank(count: int, percentile: int) -> int:
    """The 1-based position of the ``percentile``-th percentile among ``count`` sorted values (nearest rank)."""
    return max(1, -(-count * percentile // 100))


def _errors(window: _Window) -> Errors:
    """How many errors, and the most frequent by type and message start: two queries."""
    rows = window.rows(ApplicationError.objects.all())
    total = rows.count()
    prefix = Cast(Substr("message", 1, ERROR_PREFIX_LENGTH), CharField(max_length=ERROR_PREFIX_LENGTH))
    top = (
        rows.annotate(prefix=prefix)
        .values("error_type", "prefix")
        .annotate(count=Count("pk"), last_seen=Max("created_date"))
        .order_by("-count", "-last_seen")[:TOP_ERRORS]
    )
    return Errors(
        total=Figure("Application errors", total, window.url(ApplicationError), "bad"),
        top=tuple(
            ErrorGroup(
                error_type=group["error_type"],
                message=group["prefix"] or "",
                count=group["count"],
                last_seen=group["last_seen"],
                url=window.url(
                    ApplicationError, error_type=group["error_type"], message__startswith=group["prefix"] or ""
                ),
            )
            for group in top
        ),
    )


EMAIL_STATUSES = (
    # (status, tone)
    (EmailStatus.SENT, "ok"),
    (EmailStatus.FAILED, "bad"),
    (EmailStatus.QUEUED, "quiet"),
)


def _emails(window: _Window) -> Emails:
    """Messages of the period by type and status, and every message still waiting: two queries."""
    counts: dict[tuple[str, str], int] = {
        (row["email_type"], row["status"]): row["count"]
        for row in window.rows(EmailDelivery.objects.all())
        .values("email_type", "status")
        .annotate(count=Count("pk"))
        .order_by()
    }
    types = sorted({email_type for email_type, _ in counts}, key=lambda t: (-_type_total(counts, t), t))

    def figure(status: str, tone: str, email_type: str | None = None) -> Figure:
        if email_type is None:
            value = sum(count for (_, row_status), count in counts.items() if row_status == status)
            return Figure(status.capitalize(), value, window.url(EmailDelivery, status__exact=status), tone)
        return Figure(
            status.capitalize(),
            counts.get((email_type, status), 0),
            window.url(EmailDelivery, email_type__exact=email_type, status__exact=status),
            tone,
        )

    queued = {"status__exact": EmailStatus.QUEUED}
    waiting = EmailDelivery.objects.filter(status=EmailStatus.QUEUED).aggregate(
        count=Count("pk"), oldest=Min("created_date")
    )
    return Emails(
        rows=tuple(
            EmailRow(email_type, *(figure(s, tone, email_type) for s, tone in EMAIL_STATUSES)) for email_type in types
        ),
        sent=figure(EmailStatus.SENT, "ok"),
        failed=figure(EmailStatus.FAILED, "bad"),
        queued=figure(EmailStatus.QUEUED, "quiet"),
        waiting=Figure("Waiting to be sent", waiting["count"], _changelist(EmailDelivery, queued)),
        oldest_waiting_since=waiting["oldest"],
        oldest_waiting_url=(
            _changelist(EmailDelivery, {**queued, "created_date__lte": waiting["oldest"].isoformat()})
            if waiting["oldest"]
            else ""
        ),
    )


def _type_total(counts: dict[tuple[str, str], int], email_type: str) -> int:
    return sum(count for (row_type, _), count in counts.items() if row_type == email_type)


def _invitations(window: _Window) -> Invitations:
    """Invitations sent, accepted, declined and expired in the period, each by its own date.

    Expired: the expiry passed in the period with no answer and no cancellation, whether or
    not ``invitations_expire`` has marked it yet (``ExpiredAt`` lags by up to its schedule).
    """
    sent, accepted, declined, expired = (
        Q(**{f"{field}__gte": window.since, f"{field}__lte": window.until})
        for field in ("invited_at", "accepted_at", "declined_at", "expires_at")
    )
    unanswered = {"accepted_at__isnull": True, "declined_at__isnull": True, "cancelled_at__isnull": True}
    expired &= Q(**unanswered)
    counts = UserInvitation.objects.filter(sent | accepted | declined | expired).aggregate(
        sent=Count("pk", filter=sent),
        accepted=Count("pk", filter=accepted),
        declined=Count("pk", filter=declined),
        expired=Count("pk", filter=expired),
    )
    unanswered_query = {lookup: "1" for lookup in unanswered}
    return Invitations(
        sent=Figure("Sent", counts["sent"], window.url(UserInvitation, "invited_at")),
        accepted=Figure("Accepted", counts["accepted"], window.url(UserInvitation, "accepted_at"), "ok"),
        declined=Figure("Declined", counts["declined"], window.url(UserInvitation, "declined_at"), "warn"),
        expired=Figure(
            "Expired", counts["expired"], window.url(UserInvitation, "expires_at", **unanswered_query), "quiet"
        ),
    )


ABR_OUTCOMES = (
    # (outcome, label, tone)
    (AbrLookupOutcome.HIT, "Cache hits", "ok"),
    (AbrLookupOutcome.MISS, "Asked ABR", "quiet"),
    (AbrLookupOutcome.STALE, "ABR failed, stale answer served", "warn"),
    (AbrLookupOutcome.FAILED, "ABR failed, no answer", "bad"),
)
ABR_FAILURES = (AbrLookupOutcome.STALE, AbrLookupOutcome.FAILED)


def _abr(window: _Window) -> AbrLookups:
    counts = dict(
        window.rows(AbrLookup.objects.all())
        .values("outcome")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("outcome", "count")
    )
    total = sum(counts.values())
    failures = sum(counts.get(outcome, 0) for outcome in ABR_FAILURES)
    return AbrLookups(
        total=Figure("ABR lookups", total, window.url(AbrLookup)),
        by_outcome=tuple(
            Figure(label, counts.get(outcome, 0), window.url(AbrLookup, outcome__exact=outcome), tone)
            for outcome, label, tone in ABR_OUTCOMES
        ),
        failures=Figure("ABR failures", failures, window.url(AbrLookup, outcome__in=",".join(ABR_FAILURES)), "bad"),
        hit_rate=_percentage(counts.get(AbrLookupOutcome.HIT, 0), total),
    )
