"""What request logging costs: GET /api/v1/users/me with REQUEST_LOGGING on and off, in one run.

Started by ``bench/load/logging`` (see bench/load/README.md). ``REQUEST_LOGGING`` is read at
start-up, so two gunicorns run side by side with the same settings but that one, and wrk
loads them in turn: short windows, in pairs whose order flips (on/off, off/on, ...), so that
whatever else the machine does at the time weighs on both sides alike. Only one is loaded at
a time; the other's sync workers sleep. The cost is the median of the pairs' costs.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import sys
import tempfile
from pathlib import Path

from bench.load import common
from bench.load.common import LoadError

PAIRS = int(os.environ.get("LOAD_PAIRS", "8"))
DURATION = int(os.environ.get("LOAD_DURATION", "5"))
WARMUP = int(os.environ.get("LOAD_WARMUP", "3"))
# Longer than REQUEST_LOG_FLUSH_SECONDS (2): the rows a window leaves buffered are written,
# and their CPU counted, before the next window starts.
SETTLE = float(os.environ.get("LOAD_SETTLE", "2.2"))
GOAL_PERCENT = 10.0
PATH = "/api/v1/users/me"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="eventlead-logging."))
    common.configure_environment(work)
    signal.signal(signal.SIGTERM, common.interrupt)
    common.terminate_with_parent()
    servers: dict[bool, common.Server] = {}
    try:
        common.setup_django()
        token, database = _prepare_database()
        for logging_on in (True, False):
            servers[logging_on] = common.Server(
                work, "on" if logging_on else "off", {"REQUEST_LOGGING": "1" if logging_on else "0"}
            )
        tag = secrets.token_hex(4)
        for logging_on, server in servers.items():
            common.expect("users/me", common.call(server.base + PATH, token=token), 200)
            print(f"load: warm-up, logging {'on' if logging_on else 'off'}: {WARMUP} s", file=sys.stderr)
            common.measure(
                server,
                server.base + PATH,
                common.HERE / "fixed.lua",
                WARMUP,
                {"LOAD_TOKEN": token, "LOAD_AGENT": "eventlead-load warmup"},
                database,
                SETTLE,
            )
        windows = []
        for number, logging_on in enumerate(_order(PAIRS), start=1):
            windows.append(_window(servers[logging_on], number, logging_on, token, database, tag))
        for server in servers.values():
            server.stop()
        servers.clear()
        _count_rows(windows, tag)
        report = {
            **common.conditions(),
            "durations_s": {"warmup": WARMUP, "window": DURATION, "settle": SETTLE},
            "path": PATH,
            "goal_percent": GOAL_PERCENT,
            "windows": windows,
            "result": _result(windows),
        }
        markdown = render_markdown(report)
        path = common.write_results("logging", report, markdown, "Cost of request logging")
        print(markdown)
        print(f"load: wrote {path.relative_to(common.ROOT)} and bench/results/logging-latest.md", file=sys.stderr)
        return 0
    except LoadError as error:
        print(f"load: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("load: interrupted", file=sys.stderr)
        return 130
    finally:
        for server in servers.values():
            try:
                server.stop()
            except LoadError as error:
                print(f"load: {error}", file=sys.stderr)
        shutil.rmtree(work, ignore_errors=True)


def _order(pairs: int) -> list[bool]:
    """on, off, off, on, on, off, ...: True is logging on."""
    order = []
    for pair in range(pairs):
        order += [True, False] if pair % 2 == 0 else [False, True]
    return order


def _prepare_database() -> tuple[str, int | None]:
    from django.db import connection
    from django.utils import timezone

    from accounts.jwt import issue_token_pair
    from accounts.models import User

    common.migrate_fresh()
    user = User.objects.create_user(
        "logging-001@example.com",
        "Logging-password-" + secrets.token_hex(8) + "-3",
        first_name="Logging",
        last_name="User",
        email_verified_at=timezone.now(),
    )
    token = issue_token_pair(user)["access"]
    database = common.postmaster_pid()
    connection.close()
    return token, database


def _window(server: common.Server, number: int, logging_on: bool, token: str, database: int | None, tag: str) -> dict:
    mode = "on" if logging_on else "off"
    print(f"load: window {number}: request logging {mode}, {DURATION} s", file=sys.stderr)
    agent = f"eventlead-load/{tag} window-{number}"
    run = common.measure(
        server,
        server.base + PATH,
        common.HERE / "fixed.lua",
        DURATION,
        {"LOAD_TOKEN": token, "LOAD_AGENT": agent},
        database,
        SETTLE,
    )
    summary = run["summary"]
    return {
        "window": number,
        "pair": (number + 1) // 2,
        "request_logging": logging_on,
        "agent": agent,
        "requests": summary["requests"],
        "requests_per_s": common.rate(summary),
        "latency_ms": common.milliseconds(summary["latency_us"]),
        "errors": summary["errors"],
        **run["cpu"],
        "wrk_output": run["wrk_output"],
    }


def _count_rows(windows: list[dict], tag: str) -> None:
    """After both servers stopped cleanly: each window's rows; none at all with logging off."""
    from django.db import connection

    from logging_app.models import ApiRequest

    for window in windows:
        rows = ApiRequest.objects.filter(user_agent=window["agent"]).count()
        window["api_request_rows"] = rows
        if not window["request_logging"] and rows:
            raise LoadError(f"window {window['window']} had request logging off, yet {rows} rows were written")
        # Rows also cover the requests still in flight when wrk stopped (at most one per connection).
        if window["request_logging"] and not window["requests"] <= rows <= window["requests"] + common.CONNECTIONS:
            raise LoadError(f"window {window['window']} answered {window['requests']} requests but logged {rows}")
    connection.close()


def _result(windows: list[dict]) -> dict:
    """The median of the pairs' costs (each pair ran back to back), and each side's median."""

    def side(on: bool, key: str) -> float | None:
        values = [w[key] for w in windows if w["request_logging"] is on and w[key] is not None]
        return round(common.median(values), 2) if values else None

    pair_costs, cpu_costs = [], []
    for pair in sorted({w["pair"] for w in windows}):
        on = next(w for w in windows if w["pair"] == pair and w["request_logging"])
        off = next(w for w in windows if w["pair"] == pair and not w["request_logging"])
        pair_costs.append(100 * (off["requests_per_s"] - on["requests_per_s"]) / off["requests_per_s"])
        if on["worker_cpu_ms_per_request"] and off["worker_cpu_ms_per_request"]:
            cpu_costs.append(
                100
                * (on["worker_cpu_ms_per_request"] - off["worker_cpu_ms_per_request"])
                / off["worker_cpu_ms_per_request"]
            )
    cost = round(common.median(pair_costs), 1)
    return {
        "pair_throughput_costs_percent": [round(value, 1) for value in pair_costs],
        "throughput_cost_percent": cost,
        "pair_worker_cpu_costs_percent": [round(value, 1) for value in cpu_costs],
        "worker_cpu_cost_percent": round(common.median(cpu_costs), 1) if cpu_costs else None,
        "on": {key: side(True, key) for key in ("requests_per_s", "worker_cpu_ms_per_request")},
        "off": {key: side(False, key) for key in ("requests_per_s", "worker_cpu_ms_per_request")},
        "on_p50_ms": _median_p50(windows, True),
        "off_p50_ms": _median_p50(windows, False),
        "within_goal": cost <= GOAL_PERCENT,
    }


def _median_p50(windows: list[dict], on: bool) -> float:
    return round(common.median([w["latency_ms"]["p50"] for w in windows if w["request_logging"] is on]), 1)


def render_markdown(report: dict) -> str:
    result = report["result"]

    def errors(values: dict) -> str:
        return ", ".join(f"{count} {kind}" for kind, count in values.items() if count) or "0"

    lines = [
        "| GET /api/v1/users/me | logging on | logging off | cost of logging |",
        "|---|---:|---:|---:|",
        f"| Throughput, req/s (median per side; cost: median of the pairs) | {result['on']['requests_per_s']:.1f} "
        f"| {result['off']['requests_per_s']:.1f} | **{result['throughput_cost_percent']:.1f}%** "
        f"({'within' if result['within_goal'] else 'over'} the {report['goal_percent']:.0f}% goal) |",
        f"| Worker CPU, ms/request | {result['on']['worker_cpu_ms_per_request']} "
        f"| {result['off']['worker_cpu_ms_per_request']} | {result['worker_cpu_cost_percent']}% |",
        f"| Latency p50, ms (median per side) | {result['on_p50_ms']} | {result['off_p50_ms']} | |",
        "",
        "| Window | pair | logging | req/s | p50 ms | p95 ms | p99 ms | worker CPU ms/req | other CPU "
        "| ApiRequest rows | errors |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for w in report["windows"]:
        latency = w["latency_ms"]
        lines.append(
            f"| {w['window']} | {w['pair']} | {'on' if w['request_logging'] else 'off'} | {w['requests_per_s']:.1f} "
            f"| {latency['p50']:.1f} | {latency['p95']:.1f} | {latency['p99']:.1f} "
            f"| {w['worker_cpu_ms_per_request']} | {w['other_cpu_percent']}% | {w['api_request_rows']} "
            f"| {errors(w['errors'])} |"
        )
    durations = report["durations_s"]
    lines += [
        "",
        f"- Cost in each pair, in run order: throughput "
        f"{', '.join(f'{v:+.1f}%' for v in result['pair_throughput_costs_percent'])}; worker CPU "
        f"{', '.join(f'{v:+.1f}%' for v in result['pair_worker_cpu_costs_percent'])}. The spread is the "
        "machine's: windows of the same side differ as much (see the req/s column), so a single pair "
        "proves little and the median is the figure",
        *common.conditions_lines(report),
        f"- Two gunicorns side by side, identical but for REQUEST_LOGGING, loaded in turn: {durations['window']} s "
        f"windows after a {durations['warmup']} s warm-up each; worker CPU is read {durations['settle']} s after "
        "each window, so it includes the request log's last flush of that window",
        "- ApiRequest rows counted after both servers stopped with SIGTERM; they include the requests still in "
        "flight when wrk stopped, so they can exceed wrk's count by up to the connection count",
        "- Other CPU is the share of both cores used by processes outside the run (not gunicorn, wrk or "
        "PostgreSQL); where it is high, req/s falls for reasons of its own and worker CPU ms/req is the "
        "steadier comparison",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
