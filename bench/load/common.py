"""What both load scripts share: the throwaway database, gunicorn on loopback, wrk, CPU time, reports.

Started by ``bench/load/run`` and ``bench/load/logging`` under ``scripts/with-postgres``,
which supplies ``DATABASE_URL`` for a PostgreSQL cluster that is removed afterwards.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.shared import call, free_port, interrupt, terminate_with_parent  # noqa: F401 - used as common.*

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "bench" / "load"
RESULTS = ROOT / "bench" / "results"
README = HERE / "README.md"

THREADS = int(os.environ.get("LOAD_THREADS", "2"))
CONNECTIONS = int(os.environ.get("LOAD_CONNECTIONS", "16"))
# Two cores: five sync workers keep both busy while some wait on the database.
WORKERS = int(os.environ.get("LOAD_WORKERS", "5"))
# Per second rather than per minute: the throttle still reads and writes its counter on every
# login and refresh, but its stored history holds one second of requests.
LOGIN_RATE = "1000000/s"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class LoadError(RuntimeError):
    """The run could not produce a trustworthy measurement."""


def configure_environment(work: Path) -> None:
    """Production settings (DEBUG off) plus the baseline route, fresh keys, mail sent nowhere."""
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
            # Invitation emails are built, recorded and "sent" to a backend that drops them:
            # the run measures the API, not an SMTP server.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        }
    )
    os.environ.pop("REDIS_URL", None)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise LoadError("DATABASE_URL must name a PostgreSQL database (run through bench/load/run).")


def migrate_fresh() -> None:
    """Migrate as a deployment does (seed rows and the throttles' cache table included)."""
    from django.core.management import call_command

    from accounts.models import User

    call_command("migrate", interactive=False, verbosity=0)
    if User.objects.exists():
        raise LoadError("the database already has users; the load run only uses a fresh one.")


def raise_login_limit() -> str:
    """Raise security.rate_limits "login" (per client IP; every bench client is one IP) and
    "tokenRefresh" (per token, so rotation alone keeps under it); return the production login rate."""
    from configuration.models import AppSetting

    limits = AppSetting.objects.get(setting_key="security.rate_limits")
    production = json.loads(limits.setting_value)
    limits.setting_value = json.dumps({**production, "login": LOGIN_RATE, "tokenRefresh": LOGIN_RATE})
    limits.save(update_fields=["setting_value"])
    return production.get("login")


class Server:
    """gunicorn with eventlead/gunicorn.conf.py on a free loopback port."""

    def __init__(self, work: Path, name: str, extra_env: dict[str, str] | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = work / f"gunicorn-{name}.log"
        command = [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            str(ROOT / "eventlead" / "gunicorn.conf.py"),
            "--no-control-socket",
            "eventlead.wsgi:application",
        ]
        env = {**os.environ, **(extra_env or {}), "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=terminate_with_parent,
            )
        self._wait_until_healthy()

    @property
    def pid(self) -> int:
        return self.process.pid

    def _wait_until_healthy(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LoadError(f"gunicorn exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                if call(self.base + "/api/v1/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise LoadError(f"gunicorn did not answer /api/v1/health within {seconds} s:\n{self.log.read_text()}")

    def stop(self) -> float:
        """SIGTERM, gunicorn's graceful stop (workers flush the request log); return the seconds it took."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired as error:
                self.process.kill()
                self.process.wait()
                raise LoadError("gunicorn did not stop within 40 s of SIGTERM and was killed") from error
        return round(time.monotonic() - started, 2)


def expect(what: str, answer: tuple[int, dict], status: int) -> dict:
    if answer[0] != status:
        raise LoadError(f"{what} answered {answer[0]} (expected {status}): {answer[1]}")
    return answer[1]


def wrk(url: str, script: Path, seconds: int, env: dict[str, str]) -> tuple[dict, str]:
    """Run wrk once; return the JSON its script prints after ``LOAD_RESULT`` and wrk's own text."""
    command = [
        "wrk",
        f"--threads={THREADS}",
        f"--connections={CONNECTIONS}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        f"--script={script}",
        url,
    ]
    run = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^LOAD_RESULT (\{.*\})$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or match is None:
        raise LoadError(f"wrk failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    return json.loads(match.group(1)), run.stdout[: match.start()].rstrip()


def measure(
    server: Server,
    url: str,
    script: Path,
    seconds: int,
    env: dict[str, str],
    database_pid: int | None,
    settle: float | None = None,
) -> dict:
    """One wrk run with the CPU it cost, then wait until the server has served what wrk left behind.

    With ``settle``, the CPU is read that many seconds after the server went idle instead of when
    wrk ends, so it includes work the requests left for later (the request log's last flush).
    """
    before = cpu_sample(server.pid, database_pid)
    summary, text = wrk(url, script, seconds, env)
    after = cpu_sample(server.pid, database_pid)
    drain = wait_until_idle(server.port)
    if settle is not None:
        time.sleep(settle)
        after = cpu_sample(server.pid, database_pid)
    return {
        "summary": summary,
        "wrk_output": text.splitlines(),
        "cpu": cpu_usage(before, after, summary["requests"]),
        "drain_s": drain,
    }


def rate(summary: dict) -> float:
    return round(summary["requests"] / (summary["duration_us"] / 1e6), 1)


def milliseconds(latency_us: dict) -> dict:
    return {key: round(value / 1000, 2) for key, value in latency_us.items()}


# CPU time from /proc: the workers' own cost per request, and how busy the rest of the machine was.


def _process_seconds(pid: int, reaped: bool = False) -> float:
    """User plus system CPU time of one process; with ``reaped``, plus that of its finished children."""
    # After the command name (which may hold spaces): utime, stime, cutime, cstime are fields 14-17.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = int(fields[11]) + int(fields[12])
    return (own + (int(fields[13]) + int(fields[14]) if reaped else 0)) / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _tree_seconds(pid: int) -> float:
    """A process and its descendants, living or finished (PostgreSQL ends a backend per closed connection)."""
    return _process_seconds(pid, reaped=True) + sum(_tree_seconds(child) for child in _children(pid))


def postmaster_pid() -> int | None:
    """PostgreSQL's server process (its backends are its children), when it runs on this machine."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def cpu_sample(server_pid: int, database_pid: int | None) -> dict | None:
    """CPU seconds so far: gunicorn's workers, PostgreSQL, finished children (wrk), the whole machine."""
    try:
        workers = sum(_tree_seconds(child) for child in _children(server_pid))
        database = _tree_seconds(database_pid) if database_pid else 0.0
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "at": time.monotonic(),
        "workers": workers,
        "database": database,
        "load_tool": usage.ru_utime + usage.ru_stime,
        "busy": (sum(values) - values[3] - values[4]) / CLOCK_TICKS,
    }


def cpu_usage(before: dict | None, after: dict | None, requests: int) -> dict:
    """Worker CPU ms per request, and the share of the machine that processes outside the run used.

    Worker CPU per request hardly moves when other work shares the cores; req/s and latency
    do, and "other CPU" says by how much to distrust them.
    """
    if before is None or after is None or not requests:
        return {"worker_cpu_ms_per_request": None, "database_cpu_ms_per_request": None, "other_cpu_percent": None}
    spent = {key: after[key] - before[key] for key in ("workers", "database", "load_tool", "busy")}
    other = max(0.0, spent["busy"] - spent["workers"] - spent["database"] - spent["load_tool"])
    capacity = (after["at"] - before["at"]) * (os.cpu_count() or 1)
    return {
        "worker_cpu_ms_per_request": round(spent["workers"] * 1000 / requests, 2),
        "database_cpu_ms_per_request": round(spent["database"] * 1000 / requests, 2),
        "other_cpu_percent": round(100 * other / capacity, 1),
    }


def wait_until_idle(port: int, seconds: float = 30) -> float:
    """Wait until the server holds no client connection; return how long that took.

    When wrk stops, requests it sent are still queued in the listen backlog or being served.
    A graceful stop lets workers finish their current request but drops connections not yet
    accepted, so stopping at once would leave requests unserved (and so unlogged) that the
    server would otherwise have answered.
    """
    started = time.monotonic()
    local = f":{port:04X}"
    while time.monotonic() - started < seconds:
        busy = False
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = Path(table).read_text().splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                # ESTABLISHED, SYN_RECV or CLOSE_WAIT on the server's port: a client not yet served.
                if fields[1].endswith(local) and fields[3] in ("01", "03", "08"):
                    busy = True
                    break
            if busy:
                break
        if not busy:
            return round(time.monotonic() - started, 2)
        time.sleep(0.05)
    raise LoadError(f"the server still had client connections {seconds} s after wrk stopped")


def conditions() -> dict:
    """Machine, software and code version the numbers were measured with."""
    from importlib.metadata import version

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        db_version = cursor.fetchone()[0]
    model = platform.processor()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE).group(1).strip()
    except (OSError, AttributeError):
        pass
    banner = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    tool = re.match(r"wrk \S+", banner)
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": _code_version(),
        "machine": {"cores": os.cpu_count(), "cpu": model, "os": f"{platform.system()} {platform.release()}"},
        "software": {
            "python": platform.python_version(),
            "django": version("Django"),
            "djangorestframework": version("djangorestframework"),
            "gunicorn": version("gunicorn"),
            "postgresql": db_version,
            "load_tool": tool.group(0) if tool else "wrk",
        },
        "server": {
            "workers": WORKERS,
            "worker_class": "sync",
            "config": "eventlead/gunicorn.conf.py",
            "settings": "bench.settings",
        },
        "load": {"threads": THREADS, "connections": CONNECTIONS},
    }


def _code_version() -> dict:
    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return run.stdout if run.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line[3:]]
    return {
        "commit": git("rev-parse", "--short", "HEAD").strip() or None,
        "uncommitted": [path for path in changed if not path.startswith("bench/")],
    }


def conditions_lines(report: dict) -> list[str]:
    code = report["code"]
    version = f"commit {code['commit']}" if code["commit"] else "code version unknown"
    if code["uncommitted"]:
        version += f" with {len(code['uncommitted'])} uncommitted file(s) outside bench/"
    m, s, server, load = report["machine"], report["software"], report["server"], report["load"]
    return [
        f"- Measured: {report['date']}, {version}",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['os']}; wrk, gunicorn and PostgreSQL share them",
        f"- Software: Python {s['python']}, Django {s['django']}, DRF {s['djangorestframework']}, "
        f"gunicorn {s['gunicorn']} ({server['workers']} {server['worker_class']} workers, {server['config']}, "
        f"{server['settings']} with DEBUG off), PostgreSQL {s['postgresql']} (scripts/with-postgres: fsync off)",
        f"- Load: {s['load_tool']}, {load['connections']} connections on {load['threads']} threads, loopback",
    ]


def write_results(prefix: str, report: dict, markdown: str, title: str) -> Path:
    """bench/results/<prefix>-<date>.json, <prefix>-latest.md, and the README section between markers."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    day = report["date"][:10]
    json_path = RESULTS / f"{prefix}-{day}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{prefix}-latest.md").write_text(f"# {title}, {day}\n\n{markdown}")
    start, end = f"<!-- {prefix}:start -->", f"<!-- {prefix}:end -->"
    if README.exists():
        text = README.read_text()
        a, b = text.find(start), text.find(end)
        if 0 <= a < b:
            README.write_text(text[: a + len(start)] + "\n" + markdown + text[b:])
    return json_path


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
