"""A mixed back-office workload on gunicorn + PostgreSQL, then a check that nothing was lost.

Started by ``bench/load/run`` (see bench/load/README.md). Phases, on one gunicorn:
the bare-DRF baseline, a warm-up of the mix (discarded), the measured mix. Once the server
has served what wrk left queued and has stopped cleanly (SIGTERM: workers flush their
request-log buffers on exit), it counts, for the measured phase only (its own User-Agent
and X-Request-ID mark):

- ``log.ApiRequest`` rows against the requests wrk sent;
- ``audit.ActivityLog`` "invitation_created" rows against the invitations created.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from bench.load import common
from bench.load.common import LoadError

DURATION = int(os.environ.get("LOAD_DURATION", "30"))
WARMUP = int(os.environ.get("LOAD_WARMUP", "5"))
BASELINE_DURATION = int(os.environ.get("LOAD_BASELINE_DURATION", "10"))
USERS = 20
PASSWORD = "Load-password-" + secrets.token_hex(8) + "-7"
# Share of each request kind in the mix, out of 20.
WEIGHTS = {"me": 6, "company": 4, "invitation_list": 3, "invitation_create": 3, "refresh": 3, "login": 1}
KINDS = ["login", "refresh", "me", "company", "invitation_list", "invitation_create"]
LABELS = {
    "login": "POST /auth/login",
    "refresh": "POST /auth/token/refresh",
    "me": "GET /users/me",
    "company": "GET /companies/{id}",
    "invitation_list": "GET /companies/{id}/invitations",
    "invitation_create": "POST /companies/{id}/invitations",
}


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="eventlead-load."))
    common.configure_environment(work)
    signal.signal(signal.SIGTERM, common.interrupt)
    common.terminate_with_parent()
    server = None
    try:
        common.setup_django()
        setup = _prepare_database()
        phases = {name: _phase(name, work, setup["users"]) for name in ("warmup", "measured")}
        server = common.Server(work, "mixed", {"REQUEST_LOGGING": "1"})
        _check_endpoints(server.base, setup)
        database = setup["postmaster"]
        baseline = _baseline(server, database)
        print(f"load: mixed workload: {WARMUP} s warm-up, {DURATION} s measured", file=sys.stderr)
        script = common.HERE / "mixed.lua"
        if WARMUP:
            common.measure(server, server.base, script, WARMUP, {"LOAD_DATA": str(phases["warmup"]["file"])}, database)
        run = common.measure(
            server, server.base, script, DURATION, {"LOAD_DATA": str(phases["measured"]["file"])}, database
        )
        stop_seconds = server.stop()
        server = None
        summary = run["summary"]
        mixed = _mixed_result(run)
        checks = _checks(phases["measured"], summary)
        report = {
            **common.conditions(),
            "durations_s": {"baseline": BASELINE_DURATION, "warmup": WARMUP, "measured": DURATION},
            "weights": WEIGHTS,
            "setup": {**setup["facts"], "gunicorn_stop_s": stop_seconds, "drain_s": run["drain_s"]},
            "baseline": baseline,
            "mixed": mixed,
            "checks": checks,
        }
        markdown = render_markdown(report)
        path = common.write_results("load", report, markdown, "Mixed workload on gunicorn + PostgreSQL")
        print(markdown)
        print(f"load: wrote {path.relative_to(common.ROOT)} and bench/results/load-latest.md", file=sys.stderr)
        return 0 if all(check["passed"] for check in checks) else 1
    except LoadError as error:
        print(f"load: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("load: interrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            try:
                server.stop()
            except LoadError as error:
                print(f"load: {error}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


def _prepare_database() -> dict:
    """Users with a company each (they are its admin), their access tokens, the login limit raised."""
    from django.db import connection
    from django.utils import timezone

    from accounts.jwt import issue_token_pair
    from accounts.models import User
    from companies.models import CompanyCustomerDetails
    from companies.services import company_create
    from reference.models import CustomerTier

    common.migrate_fresh()
    enterprise = CustomerTier.objects.get(code="enterprise")
    users = []
    for n in range(1, USERS + 1):
        user = User.objects.create_user(
            f"load-{n:03d}@example.com",
            PASSWORD,
            first_name="Load",
            last_name=f"User {n}",
            email_verified_at=timezone.now(),
        )
        company = company_create(creator=user, company_name=f"Load Test Company {n}", country_code="AU")
        # The enterprise tier: no seat limit (MaxUsers) for the run's invitations (the free tier has 2).
        CompanyCustomerDetails.objects.filter(company=company).update(customer_tier=enterprise)
        users.append(
            {"user": user, "email": user.email, "company": company.pk, "access": issue_token_pair(user)["access"]}
        )
    production_login_rate = common.raise_login_limit()
    postmaster = common.postmaster_pid()
    facts = {
        "users": USERS,
        "companies": USERS,
        "production_login_rate": production_login_rate,
        "login_rate_for_run": common.LOGIN_RATE,
    }
    connection.close()
    return {"users": users, "facts": facts, "postmaster": postmaster}


def _phase(name: str, work: Path, users: list[dict]) -> dict:
    """Marks and a Lua data file for one wrk run, with its own refresh tokens (each works once)."""
    from django.db import connection

    from accounts.jwt import issue_token_pair

    tag = secrets.token_hex(4)
    per_thread = 2 * max(1, common.CONNECTIONS // common.THREADS)  # More than a thread keeps in flight.
    refresh = [
        [issue_token_pair(users[(t * per_thread + i) % len(users)]["user"])["refresh"] for i in range(per_thread)]
        for t in range(common.THREADS)
    ]
    data = {
        "tag": tag,
        "agent": f"eventlead-load/{tag} {name}",
        "email_prefix": f"load-{tag}",
        "password": PASSWORD,
        "schedule": _schedule(WEIGHTS),
        "users": [{key: user[key] for key in ("email", "company", "access")} for user in users],
        "refresh": refresh,
    }
    path = work / f"load-{name}.lua"
    path.write_text("return " + _lua(data) + "\n")
    connection.close()
    return {"name": name, "tag": tag, "agent": data["agent"], "email_prefix": data["email_prefix"], "file": path}


def _schedule(weights: dict[str, int]) -> list[str]:
    """One cycle of request kinds, interleaved by weight (smooth weighted round robin)."""
    total = sum(weights.values())
    current = dict.fromkeys(weights, 0)
    cycle = []
    for _ in range(total):
        for kind, weight in weights.items():
            current[kind] += weight
        chosen = max(current, key=current.get)
        current[chosen] -= total
        cycle.append(chosen)
    return cycle


def _lua(value) -> str:
    """A Lua literal for strings, integers, lists and string-keyed tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # Our strings are ASCII without escapes Lua would read differently.
    if isinstance(value, list):
        return "{" + ", ".join(_lua(item) for item in value) + "}"
    return "{" + ", ".join(f"{key} = {_lua(item)}" for key, item in value.items()) + "}"


def _check_endpoints(base: str, setup: dict) -> None:
    """Every kind in the mix answers as expected once before it is loaded."""
    first = setup["users"][0]
    body = common.expect(
        "login", common.call(base + "/api/v1/auth/login", {"email": first["email"], "password": PASSWORD}), 200
    )
    common.expect("token refresh", common.call(base + "/api/v1/auth/token/refresh", {"refresh": body["refresh"]}), 200)
    token, company = first["access"], first["company"]
    common.expect("users/me", common.call(base + "/api/v1/users/me", token=token), 200)
    common.expect("company read", common.call(base + f"/api/v1/companies/{company}", token=token), 200)
    common.expect("invitation list", common.call(base + f"/api/v1/companies/{company}/invitations", token=token), 200)
    common.expect(
        "invitation create",
        common.call(
            base + f"/api/v1/companies/{company}/invitations",
            {"email": f"load-check-{secrets.token_hex(4)}@example.com", "role": "company_user"},
            token=token,
        ),
        201,
    )


def _baseline(server: common.Server, database: int | None) -> dict:
    """The bare DRF view on the same gunicorn: Django, the middleware (request log included) and DRF."""
    print(f"load: baseline: 3 s warm-up, {BASELINE_DURATION} s measured", file=sys.stderr)
    url = server.base + "/api/v1/bench/bare"
    script = common.HERE / "fixed.lua"
    common.measure(server, url, script, 3, {"LOAD_AGENT": "eventlead-load baseline-warmup"}, database)
    run = common.measure(server, url, script, BASELINE_DURATION, {"LOAD_AGENT": "eventlead-load baseline"}, database)
    summary = run["summary"]
    return {
        "requests": summary["requests"],
        "requests_per_s": common.rate(summary),
        "latency_ms": common.milliseconds(summary["latency_us"]),
        "errors": summary["errors"],
        **run["cpu"],
        "wrk_output": run["wrk_output"],
    }


def _mixed_result(run: dict) -> dict:
    summary = run["summary"]
    seconds = summary["duration_us"] / 1e6
    kinds = {}
    for kind in KINDS:
        raw = summary["kinds"][kind]
        statuses = raw.get("statuses") or {}
        ok = sum(count for code, count in statuses.items() if code.startswith("2"))
        kinds[kind] = {
            "sent": raw["sent"],
            "answered": raw["answered"],
            "answered_per_s": round(raw["answered"] / seconds, 1),
            "statuses": statuses,
            "non_2xx": raw["answered"] - ok,
            "latency_ms": common.milliseconds(raw.get("latency_us") or {}),
        }
    return {
        "requests": summary["requests"],
        "requests_sent": sum(kind["sent"] for kind in kinds.values()),
        "in_flight_at_stop": summary["in_flight"].split(),
        "unmatched_responses": summary["unmatched"],
        "requests_per_s": common.rate(summary),
        "latency_ms": common.milliseconds(summary["latency_us"]),
        "errors": summary["errors"],
        **run["cpu"],
        "kinds": kinds,
        "wrk_output": run["wrk_output"],
    }


def _checks(phase: dict, summary: dict) -> list[dict]:
    """After the clean stop: one request-log row per request sent, one audit row per invitation created."""
    from django.db import connection

    from auditing.models import ActivityLog
    from companies.models import UserInvitation
    from logging_app.models import ApiRequest

    connection.close()
    rows = list(ApiRequest.objects.filter(user_agent=phase["agent"]).values_list("request_id", "status_code"))
    sent = sum(kind["sent"] for kind in summary["kinds"].values())
    in_flight = set(summary["in_flight"].split())
    logged_ids = {str(request_id) for request_id, _ in rows}
    by_kind: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
    for request_id, status in rows:
        kind = KINDS[int(str(request_id)[9:13], 16) - 1]
        by_kind[kind][str(status)] = by_kind[kind].get(str(status), 0) + 1
    request_log = {
        "name": "request log",
        "requests_sent": sent,
        "requests_answered_before_stop": summary["requests"],
        "in_flight_at_stop": len(in_flight),
        "api_request_rows": len(rows),
        "distinct_request_ids": len(logged_ids),
        "in_flight_logged": len(in_flight & logged_ids),
        "in_flight_not_logged": sorted(in_flight - logged_ids),
        "rows_by_kind_and_status": by_kind,
        "passed": len(rows) == sent and len(logged_ids) == sent,
    }

    created_ids = {
        str(request_id)
        for request_id, status in rows
        if status == 201 and int(str(request_id)[9:13], 16) == KINDS.index("invitation_create") + 1
    }
    audit_ids = {
        str(request_id)
        for request_id in ActivityLog.objects.filter(
            action="invitation_created", user_agent=phase["agent"]
        ).values_list("request_id", flat=True)
    }
    audit_rows = ActivityLog.objects.filter(action="invitation_created", user_agent=phase["agent"]).count()
    invitations = UserInvitation.objects.filter(invited_email__startswith=phase["email_prefix"] + "-").count()
    wrk_201 = int((summary["kinds"]["invitation_create"].get("statuses") or {}).get("201", 0))
    created_in_flight = len(created_ids & in_flight)
    audit = {
        "name": "audit trail",
        "created_201_seen_by_wrk": wrk_201,
        "created_201_answered_after_stop": created_in_flight,
        "created_201_in_request_log": len(created_ids),
        "invitations_in_database": invitations,
        "activity_log_rows": audit_rows,
        "passed": (
            audit_rows == invitations == len(created_ids) == wrk_201 + created_in_flight and audit_ids == created_ids
        ),
    }
    connection.close()
    return [request_log, audit]


def render_markdown(report: dict) -> str:
    base, mixed = report["baseline"], report["mixed"]
    total_weight = sum(report["weights"].values())

    def errors(values: dict) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in values.items() if count) or "0"

    def ms(latency: dict, key: str) -> str:
        return f"{latency[key]:.1f}" if latency.get(key) is not None else "n/a"

    lines = [
        "| Requests | share | req/s | vs baseline | p50 ms | p95 ms | p99 ms | non-2xx / errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        f"| Bare DRF view (baseline, alone) | | {base['requests_per_s']:.1f} | 1.00x | {ms(base['latency_ms'], 'p50')} "
        f"| {ms(base['latency_ms'], 'p95')} | {ms(base['latency_ms'], 'p99')} | {errors(base['errors'])} |",
        f"| **Mixed workload, all requests** | 100% | **{mixed['requests_per_s']:.1f}** "
        f"| {mixed['requests_per_s'] / base['requests_per_s']:.2f}x | {ms(mixed['latency_ms'], 'p50')} "
        f"| {ms(mixed['latency_ms'], 'p95')} | {ms(mixed['latency_ms'], 'p99')} | {errors(mixed['errors'])} |",
    ]
    for kind in KINDS:
        row = mixed["kinds"][kind]
        odd = {code: count for code, count in row["statuses"].items() if not code.startswith("2")}
        lines.append(
            f"| {LABELS[kind]} | {100 * report['weights'][kind] / total_weight:.0f}% | {row['answered_per_s']:.1f} | "
            f"| {ms(row['latency_ms'], 'p50')} | {ms(row['latency_ms'], 'p95')} | {ms(row['latency_ms'], 'p99')} "
            f"| {', '.join(f'{count}x {code}' for code, count in odd.items()) or '0'} |"
        )
    log_check, audit_check = report["checks"]
    lines += [
        "",
        "| Check after a clean stop | expected | found | result |",
        "|---|---:|---:|---|",
        f"| `log.ApiRequest` rows with the run's mark = requests wrk sent "
        f"({log_check['requests_answered_before_stop']} answered before wrk stopped + "
        f"{log_check['in_flight_at_stop']} in flight) | {log_check['requests_sent']} "
        f"| {log_check['api_request_rows']} | {'PASS' if log_check['passed'] else 'FAIL'} |",
        f"| `audit.ActivityLog` invitation_created rows = invitations created "
        f"({audit_check['created_201_seen_by_wrk']} 201s seen by wrk + "
        f"{audit_check['created_201_answered_after_stop']} answered after it stopped; "
        f"{audit_check['invitations_in_database']} invitation rows) | {audit_check['created_201_in_request_log']} "
        f"| {audit_check['activity_log_rows']} | {'PASS' if audit_check['passed'] else 'FAIL'} |",
        "",
        *common.conditions_lines(report),
        f"- Phases on one gunicorn: baseline (3 s warm-up, {report['durations_s']['baseline']} s), mixed warm-up "
        f"({report['durations_s']['warmup']} s, discarded), mixed measured ({report['durations_s']['measured']} s); "
        f"{report['setup']['users']} users, each the admin of its own company",
        f"- Worker CPU per request: {_cpu(base)} baseline, {_cpu(mixed)} mixed (PostgreSQL: "
        f"{mixed['database_cpu_ms_per_request']} ms); CPU used by other processes on the machine: "
        f"{base['other_cpu_percent']}% during the baseline, {mixed['other_cpu_percent']}% during the mix",
        f'- The login limit (security.rate_limits "login", shared by login and token refresh) was raised from '
        f"{report['setup']['production_login_rate']} to {report['setup']['login_rate_for_run']} for the run",
        f"- After wrk stopped, the server served what was still queued in {report['setup']['drain_s']} s; "
        f"then gunicorn stopped {report['setup']['gunicorn_stop_s']} s after SIGTERM",
    ]
    return "\n".join(lines) + "\n"


def _cpu(row: dict) -> str:
    value = row.get("worker_cpu_ms_per_request")
    return "n/a" if value is None else f"{value:.2f} ms"


if __name__ == "__main__":
    sys.exit(main())
