"""Fill the log tables with realistic volumes in seconds, for the back-office benches.

PostgreSQL builds the rows in the server (``INSERT ... SELECT ... generate_series``): a million
``log.ApiRequest`` rows take about ten seconds, where a million ORM inserts would take minutes.
Rows are spread evenly over the last ``days`` days, with the status mix, paths and durations
of a working API, so grouped queries meet the same shapes as in production.
"""

from __future__ import annotations

from django.db import connection

from logging_app.models import ApiRequest, AuthEvent

PATHS = (
    "/api/v1/users/me",
    "/api/v1/auth/token/refresh",
    "/api/v1/auth/login",
    "/api/v1/companies/1",
    "/api/v1/companies/1/members",
    "/api/v1/companies/1/invitations",
    "/api/v1/reference/countries",
    "/api/v1/abr/search",
    "/api/v1/auth/signup",
    "/api/v1/auth/password-reset",
    "/api/v1/health",
    "/api/v1/users/me/sessions",
)
API_REQUEST_FIELDS = (
    "request_id", "method", "path", "query_string", "status_code", "duration_ms",
    "ip_address", "user_agent", "request_bytes", "response_bytes", "created_date",
)  # fmt: skip
AUTH_EVENT_FIELDS = ("email", "event_type", "failure_reason", "ip_address", "user_agent", "created_date")
EVENT_TYPES = ("login_success", "login_failed", "token_refreshed", "logout", "account_locked")


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def fill_api_requests(count: int, *, days: int = 30) -> None:
    """``count`` API requests over the last ``days`` days, newest last (PostgreSQL)."""
    m = ApiRequest
    columns = ", ".join(_column(m, name) for name in API_REQUEST_FIELDS)
    paths = "ARRAY[" + ", ".join(f"'{path}'" for path in PATHS) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_table(m)} ({columns})
            SELECT gen_random_uuid(),
                   CASE WHEN n %% 3 = 0 THEN 'POST' ELSE 'GET' END,
                   ({paths})[1 + (n * 7) %% {len(PATHS)}],
                   '',
                   CASE WHEN n %% 200 = 0 THEN 500 WHEN n %% 20 = 0 THEN 404 WHEN n %% 25 = 0 THEN 401 ELSE 200 END,
                   (n * 37) %% 400 + 2,
                   ('203.0.113.' || (n %% 250 + 1))::inet,
                   'Mozilla/5.0 (bench)',
                   (n %% 900),
                   (n * 13) %% 4000,
                   now() - make_interval(secs => %s::float8 * (%s - n) / %s)
            FROM generate_series(1, %s) AS n
            """,  # noqa: S608 - names and literals from this module, the numbers bound
            [days * 86400, count, count, count],
        )
        cursor.execute(f"ANALYZE {_table(m)}")


def fill_auth_events(count: int, *, days: int = 30) -> None:
    """``count`` auth events over the last ``days`` days, mostly successful sign-ins (PostgreSQL)."""
    m = AuthEvent
    columns = ", ".join(_column(m, name) for name in AUTH_EVENT_FIELDS)
    events = "ARRAY[" + ", ".join(f"'{event}'" for event in EVENT_TYPES) + "]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {_table(m)} ({columns})
            SELECT 'user' || (n %% 5000) || '@example.com',
                   ({events})[1 + (n * 3) %% {len(EVENT_TYPES)}],
                   '',
                   ('203.0.113.' || (n %% 250 + 1))::inet,
                   'Mozilla/5.0 (bench)',
                   now() - make_interval(secs => %s::float8 * (%s - n) / %s)
            FROM generate_series(1, %s) AS n
            """,  # noqa: S608 - names and literals from this module, the numbers bound
            [days * 86400, count, count, count],
        )
        cursor.execute(f"ANALYZE {_table(m)}")
