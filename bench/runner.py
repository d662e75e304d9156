"""Measure the auth API under load: gunicorn on loopback, wrk per scenario, results in bench/results/.

Started by ``bench/run``, which supplies a throwaway database (``DATABASE_URL`` from
``scripts/with-postgres``, or SQLite under a temporary directory when it is unset).
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import cpu
from bench.shared import call, free_port, interrupt, terminate_with_parent

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
README = ROOT / "bench" / "README.md"
README_START, README_END = "<!-- results:start -->", "<!-- results:end -->"

DURATION = int(os.environ.get("BENCH_DURATION", "12"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
USERS = 20
PASSWORD = "Bench-password-" + secrets.token_hex(8) + "-9"
# Per second rather than per minute: the throttle still reads and writes its counter on
# every login, but its history holds one second of requests, not a minute's thousands.
LOGIN_RATE = "1000000/s"
# Above this share of the machine used by others during a scenario, the report says so.
OTHER_CPU_TOLERATED = 5.0

SCENARIOS = [
    ("bare", "GET", "/api/v1/bench/bare", "Bare DRF view (baseline)"),
    ("me", "GET", "/api/v1/users/me", "GET /api/v1/users/me (Bearer)"),
    ("login", "POST", "/api/v1/auth/login", "POST /api/v1/auth/login"),
]


class BenchError(RuntimeError):
    """The bench could not produce a trustworthy measurement."""


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="eventlead-bench."))
    _configure_environment(work)
    server = None
    signal.signal(signal.SIGTERM, interrupt)
    terminate_with_parent()
    try:
        setup, postmaster = _prepare_database()
        port = free_port()
        server = _start_gunicorn(port, work / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        _wait_until_healthy(base, server, work / "gunicorn.log")
        token = _check_endpoints(base)
        results = [_measure(base, token, (server.pid, postmaster), scenario) for scenario in SCENARIOS]
        _write(_report(setup, results))
        return 0
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            _stop(server)
        shutil.rmtree(work, ignore_errors=True)


def _report(setup: dict, results: list[dict]) -> dict:
    """Everything needed to read the numbers later: results, machine, versions, conditions."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": _code_version(),
        "machine": _machine(setup),
        "load": {
            "tool": _wrk_version(),
            "duration_s": DURATION,
            "warmup_s": WARMUP,
            "connections": CONNECTIONS,
            "threads": THREADS,
        },
        "server": {"gunicorn": _gunicorn_version(), "workers": WORKERS, "worker_class": "sync"},
        "notes": _notes(setup, results),
        "scenarios": results,
    }


def _configure_environment(work: Path) -> None:
    """Production settings (DEBUG off, Argon2id) with fresh keys and the baseline view mounted."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VAR_DIR": str(work),
            "LOG_LEVEL": "WARNING",
            "GUNICORN_WORKERS": str(WORKERS),
        }
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))


def _prepare_database() -> tuple[dict, int | None]:
    """Migrate (seed rows included), create the users, raise the login limit.

    Return facts for the report and the PostgreSQL postmaster's process id (None on SQLite).
    """
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import get_hasher
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone as dj_timezone

    from accounts.models import User
    from configuration.models import AppSetting

    # As a deployment does: migrate alone creates the tables, the seed rows and the cache table.
    call_command("migrate", interactive=False, verbosity=0)
    if User.objects.exists():
        raise BenchError("the database already has users; the bench only runs on a fresh one.")

    for n in range(1, USERS + 1):
        User.objects.create_user(
            f"bench-{n:03d}@example.com",
            PASSWORD,
            first_name="Bench",
            last_name=f"User {n}",
            email_verified_at=dj_timezone.now(),
        )
    encoded = User.objects.get(email="bench-001@example.com").password
    hasher = get_hasher()
    if hasher.algorithm != "argon2" or not encoded.startswith("argon2$argon2id$"):
        raise BenchError(f"passwords are not hashed with Argon2id ({encoded.split('$')[0]}).")

    limits = AppSetting.objects.get(setting_key="security.rate_limits")
    production_limits = json.loads(limits.setting_value)
    limits.setting_value = json.dumps({**production_limits, "login": LOGIN_RATE})
    limits.save(update_fields=["setting_value"])

    facts = {
        "db_engine": connection.vendor,
        "db_version": _db_version(connection),
        "hasher": f"{type(hasher).__module__}.{type(hasher).__name__}",
        "hash_parameters": encoded.split("$")[3],
        "hash_verify_ms": _hash_verify_ms(encoded),
        "production_login_rate": production_limits.get("login"),
        "settings": settings.SETTINGS_MODULE,
    }
    postmaster = _postmaster(connection)
    connection.close()
    return facts, postmaster


def _postmaster(connection) -> int | None:
    """The server process whose children are the database's backends, if it runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return cpu.parent(backend)
    except (OSError, ValueError, IndexError):
        return None


def _db_version(connection) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]


def _hash_verify_ms(encoded: str, rounds: int = 10) -> float:
    """Median time of one password check in this process: the floor under a login's latency."""
    from django.contrib.auth.hashers import check_password

    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        check_password(PASSWORD, encoded)
        times.append((time.perf_counter() - started) * 1000)
    return round(sorted(times)[rounds // 2], 1)


def _start_gunicorn(port: int, log: Path) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "eventlead" / "gunicorn.conf.py"),
        # No control socket in the home directory for a throwaway server.
        "--no-control-socket",
        "eventlead.wsgi:application",
    ]
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=terminate_with_parent,
        )


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM is gunicorn's graceful stop; kill only if it has not finished in time."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=35)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_healthy(base: str, server: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            if call(base + "/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /api/v1/health within {seconds} s:\n{log.read_text()}")


def _check_endpoints(base: str) -> str:
    """Each scenario answers 200 with the expected body before it is loaded; return an access token."""
    status, body = call(base + "/api/v1/bench/bare")
    if (status, body) != (200, {"status": "ok"}):
        raise BenchError(f"/api/v1/bench/bare answered {status} {body}")
    credentials = {"email": "bench-001@example.com", "password": PASSWORD}
    status, body = call(base + "/api/v1/auth/login", credentials)
    if status != 200 or "access" not in body:
        raise BenchError(f"login answered {status} {body}")
    token = body["access"]
    status, body = call(base + "/api/v1/users/me", token=token)
    if status != 200 or body.get("email") != "bench-001@example.com":
        raise BenchError(f"/api/v1/users/me answered {status} {body}")
    return token


def _measure(base: str, token: str, pids: tuple[int, int | None], scenario: tuple) -> dict:
    """Warm the workers up (result discarded), then measure for DURATION seconds."""
    name, method, path, label = scenario
    print(f"bench: {label}: {WARMUP} s warm-up, {DURATION} s measured", file=sys.stderr)
    if WARMUP:
        _wrk(base, path, name, token, WARMUP)
    before = cpu.sample(*pids)
    summary, wrk_text = _wrk(base, path, name, token, DURATION)
    after = cpu.sample(*pids)
    seconds = summary["duration_us"] / 1e6
    latency = summary["latency_us"]
    return {
        "name": name,
        "label": label,
        "method": method,
        "path": path,
        "requests": summary["requests"],
        "requests_per_s": round(summary["requests"] / seconds, 1),
        "latency_ms": {key: round(value / 1000, 2) for key, value in latency.items()},
        **cpu.usage(before, after, summary["requests"]),
        "errors": summary["errors"],
        "error_count": sum(summary["errors"].values()),
        "wrk_output": wrk_text.splitlines(),
    }


def _wrk(base: str, path: str, name: str, token: str, seconds: int) -> tuple[dict, str]:
    """Run wrk once; return the summary printed by load.lua and wrk's own text output."""
    command = [
        "wrk",
        f"--threads={THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={ROOT / 'bench' / 'load.lua'}",
        base + path,
    ]
    env = {
        **os.environ,
        "BENCH_SCENARIO": name,
        "BENCH_TOKEN": token,
        "BENCH_PASSWORD": PASSWORD,
        "BENCH_USERS": str(USERS),
    }
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^BENCH_RESULT (\{.*\})$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or match is None:
        raise BenchError(f"wrk failed for {name} ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return json.loads(match.group(1)), run.stdout[: match.start()].rstrip()


def _code_version() -> dict:
    """The commit measured, and the files that differed from it (outside bench/) at the time."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return run.stdout if run.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line[3:]]
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip() or None,
        "uncommitted": [path for path in changed if not path.startswith("bench/")],
    }


def _wrk_version() -> str:
    # "wrk -v" prints its banner and exits 1.
    banner = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    match = re.match(r"wrk \S+", banner)
    return match.group(0) if match else "wrk"


def _gunicorn_version() -> str:
    from importlib.metadata import version

    return version("gunicorn")


def _machine(setup: dict) -> dict:
    from importlib.metadata import version

    model = platform.processor()
    memory_gib = None
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE).group(1).strip()
        kib = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
        memory_gib = round(kib / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    return {
        "cores": os.cpu_count(),
        "cpu": model,
        "memory_gib": memory_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version("Django"),
        "djangorestframework": version("djangorestframework"),
        "argon2_cffi": version("argon2-cffi"),
        **setup,
    }


def _notes(setup: dict, results: list[dict]) -> list[str]:
    notes = []
    others = [row["other_cpu_percent"] for row in results if row["other_cpu_percent"] is not None]
    if others and max(others) > OTHER_CPU_TOLERATED:
        notes.append(
            f"Other processes used up to {max(others):.0f}% of the machine's CPU during the run "
            '("other CPU"): req/s and latency are lower than on a quiet machine; worker CPU '
            "ms/req still holds."
        )
    notes += [
        f'The login limit (security.rate_limits "login") was raised from '
        f"{setup['production_login_rate']} to {LOGIN_RATE} for the run, so every login is "
        "measured rather than refused; the throttle still reads and writes its counter.",
        f"Logins rotate over {USERS} verified users with the correct password; every one "
        "verifies an Argon2id hash, writes the user row and an auth event, and issues a token pair.",
        "wrk, gunicorn and the database share the same cores, so absolute numbers are lower "
        "than on a dedicated server; compare each scenario with the baseline of the same run.",
        "Sync workers close the connection after each response, so every request includes a "
        "loopback TCP connect, as behind a proxy without upstream keep-alive.",
        "Worker CPU ms/req is the CPU time gunicorn's workers used divided by the requests "
        "served; it leaves out wrk and the database and, unlike req/s, hardly moves when other "
        "work shares the cores. Other CPU is the share of all cores used meanwhile by processes "
        "that are not the bench's (gunicorn, wrk, the database).",
        f"wrk keeps {CONNECTIONS} requests in flight for {WORKERS} workers, so latency includes "
        "time queued for a free worker; one request's own service time is lower.",
    ]
    if setup["db_engine"] == "postgresql":
        notes.append(
            "PostgreSQL is the throwaway cluster of scripts/with-postgres (fsync and "
            "full_page_writes off), so commits cost less than on a durable server."
        )
    else:
        notes.append("SQLite serialises writes: the login numbers say little about a PostgreSQL deployment.")
    return notes


def _write(report: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    day = report["date"][:10]
    json_path = RESULTS / f"auth-{day}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    table = render_markdown(report)
    (RESULTS / "latest.md").write_text(f"# Auth API load test, {day}\n\n{table}")
    if README.exists():
        text = README.read_text()
        start, end = text.find(README_START), text.find(README_END)
        if 0 <= start < end:
            README.write_text(text[: start + len(README_START)] + "\n" + table + text[end:])
    print(table)
    print(f"bench: wrote {json_path.relative_to(ROOT)} and bench/results/latest.md", file=sys.stderr)


def render_markdown(report: dict) -> str:
    """The results table and the conditions it was measured under."""
    baseline = report["scenarios"][0]["requests_per_s"]
    lines = [
        "| Scenario | req/s | vs baseline | p50 ms | p95 ms | p99 ms | worker CPU ms/req | other CPU | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in report["scenarios"]:
        latency = row["latency_ms"]
        errors = ", ".join(f"{count} {kind}" for kind, count in row["errors"].items() if count) or "0"
        worker_ms, other = row["worker_cpu_ms_per_request"], row["other_cpu_percent"]
        lines.append(
            f"| {row['label']} | {row['requests_per_s']:.1f} | {row['requests_per_s'] / baseline:.2f}x "
            f"| {latency['p50']:.1f} | {latency['p95']:.1f} | {latency['p99']:.1f} "
            f"| {'n/a' if worker_ms is None else f'{worker_ms:.2f}'} "
            f"| {'n/a' if other is None else f'{other:.0f}%'} | {errors} |"
        )
    m, load, server = report["machine"], report["load"], report["server"]
    engine = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(m["db_engine"], m["db_engine"])
    lines += [
        "",
        f"- Measured: {report['date']}, {_code_line(report.get('code'))}",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory_gib']} GiB RAM, {m['os']}",
        f"- Software: Python {m['python']}, Django {m['django']}, DRF {m['djangorestframework']}, "
        f"gunicorn {server['gunicorn']} ({server['workers']} {server['worker_class']} workers, "
        "eventlead/gunicorn.conf.py), bench.settings (the production settings plus the baseline "
        "route) with DEBUG off",
        f"- Database: {engine} {m['db_version']}",
        f"- Password hasher: {m['hasher']}, Argon2id {m['hash_parameters']} (m in KiB) "
        f"via argon2-cffi {m['argon2_cffi']}; one verification takes {m['hash_verify_ms']} ms here",
        f"- Load: {load['tool']}, {load['connections']} connections on {load['threads']} threads, "
        f"{load['duration_s']} s per scenario after a {load['warmup_s']} s warm-up",
        "",
        "Notes:",
        "",
        *(f"- {note}" for note in report["notes"]),
    ]
    return "\n".join(lines) + "\n"


def _code_line(code: dict | None) -> str:
    if not code or not code["commit"]:
        return "code version unknown"
    changed = len(code["uncommitted"])
    plural = "" if changed == 1 else "s"
    return f"commit {code['commit']}" + (f" with {changed} uncommitted file{plural}" if changed else "")


if __name__ == "__main__":
    sys.exit(main())
