"""Schemathesis's own CLI, every check, against gunicorn as a deployment runs it (``scripts/fuzz-gunicorn``).

Started by ``scripts/fuzz-gunicorn`` on the throwaway PostgreSQL of ``scripts/with-postgres``:
migrate, create a verified user who is the admin of a company, start gunicorn with the
production settings (``eventlead.production_settings``: DEBUG off, fresh keys, Argon2id, as if
behind the TLS proxy, whose ``X-Forwarded-Proto`` header the run sends; only the redirect to
https is off, tests/fuzz/gunicorn_settings.py says why), with a fake ABR on loopback for the
ABR search; with rows for the links to carry (a second member, a pending invitation, other
companies that invited the admin). Then ``schemathesis run`` the document with the suite's
configuration (tests/fuzz/schemathesis.toml): every check, as ``--checks all`` would, with
``positive_data_acceptance`` off only for the operations it names, with its reasons; every
phase, the stateful one included, following only the document's links; 30 examples per operation.

The token: schemathesis signs in as the admin (``POST /api/v1/auth/login``) and signs in
again whenever an answer is a 401, so a logout-all or a session revocation the fuzzer sends
does not leave the rest of the run signed out. A token minted the same way is checked on
``GET /api/v1/users/me`` before the run, so wrong credentials fail at once, not as 50,000 401s.

Exit status: schemathesis's (non-zero on any failure), or 1 when the setup fails.
Environment: FUZZ_EXAMPLES (30 per operation), FUZZ_SCENARIOS (300 stateful scenarios of up to
20 steps), FUZZ_WORKERS (gunicorn workers, 4), FUZZ_SEED (random), FUZZ_ARGS (more
``schemathesis run`` options, e.g. "--max-failures 1").
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.shared import free_port, interrupt, terminate_with_parent  # noqa: E402

SHARED_CONFIG = ROOT / "tests" / "fuzz" / "schemathesis.toml"
EMAIL = "fuzz-admin@example.com"
PASSWORD = "Fuzz-passphrase-" + secrets.token_hex(8) + "-9"
EXAMPLES = os.environ.get("FUZZ_EXAMPLES", "30")
WORKERS = os.environ.get("FUZZ_WORKERS", "4")
# As in the suite's fuzz test: no fuzzed request is refused for its rate; business 429s remain.
UNLIMITED = "1000000/min"
UNLOCKABLE = "1000000"
RECEIVED_INVITATIONS = 5
# Added to tests/fuzz/schemathesis.toml for this run: schemathesis signs in with the admin's
# credentials, read from the environment (``${...}``); and the stateful phase gets scenarios
# enough to follow the links to the deepest operations (members), as the suite's test does.
RUN_CONFIG = """
[auth.dynamic.openapi.jwtAuth]
path = "/api/v1/auth/login"
payload = { email = "${FUZZ_EMAIL}", password = "${FUZZ_PASSWORD}" }
extract_selector = "/access"

[phases.stateful]
max-steps = 20

[phases.stateful.generation]
max-examples = %(scenarios)s
"""
SCENARIOS = os.environ.get("FUZZ_SCENARIOS", "300")


class SetupError(Exception):
    pass


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("fuzz-gunicorn: run through scripts/fuzz-gunicorn (a throwaway PostgreSQL)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="eventlead-fuzz-"))
    signal.signal(signal.SIGTERM, interrupt)
    terminate_with_parent()
    from eventlead.testing.fake_abr import FakeAbr

    server = None
    try:
        with FakeAbr() as abr:
            _configure_environment(work, abr.settings)
            _prepare_database()
            server, base, log = _start_gunicorn(work)
            _wait_until_healthy(server, base, log)
            _check_token(base)
            document = work / "openapi.json"
            _write_document(document)
            config = work / "schemathesis.toml"
            config.write_text(SHARED_CONFIG.read_text() + RUN_CONFIG % {"scenarios": SCENARIOS})
            status = _run_schemathesis(config, document, base, work)
    except SetupError as error:
        print(f"fuzz-gunicorn: {error}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("fuzz-gunicorn: interrupted", file=sys.stderr)
        status = 130
    finally:
        if server is not None:
            _stop(server)
    if status == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"fuzz-gunicorn: exit status {status}; gunicorn's log and the JUnit report are in {work}")
    return status


def _configure_environment(work: Path, abr_settings: dict) -> None:
    """The production settings with fresh keys, a working directory of their own and the fake ABR."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.fuzz.gunicorn_settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "JWT_SIGNING_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "VAR_DIR": str(work),
            "LOG_LEVEL": "WARNING",
            "GUNICORN_WORKERS": WORKERS,
            "FUZZ_EMAIL": EMAIL,
            "FUZZ_PASSWORD": PASSWORD,
            **{name: str(value) for name, value in abr_settings.items()},
        }
    )
    os.environ.pop("REDIS_URL", None)


def _prepare_database() -> None:
    """Migrate, lift the rate limits and the lockout, create the verified admin of a company and its rows."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from accounts.models import User
    from companies.invitations import invitation_accept, invitation_create, invitation_token_rotate
    from companies.models import CompanyCustomerDetails
    from companies.services import company_create
    from configuration.models import AppSetting
    from configuration.settings_store import clear_cache, get_setting

    call_command("migrate", interactive=False, verbosity=0)
    if User.objects.exists():
        raise SetupError("the database already has users; the run only uses a fresh one.")
    limits = dict.fromkeys(get_setting("security.rate_limits"), UNLIMITED)
    AppSetting.objects.filter(setting_key="security.rate_limits").update(setting_value=json.dumps(limits))
    # The fuzzer's wrong current passwords would lock the admin out, and a lock ends every session.
    AppSetting.objects.filter(setting_key="security.max_failed_login_attempts").update(setting_value=UNLOCKABLE)
    clear_cache()

    def user(email: str) -> User:
        return User.objects.create_user(
            email, PASSWORD, first_name="Fuzz", last_name="User", email_verified_at=timezone.now()
        )

    admin = user(EMAIL)
    company = company_create(creator=admin, company_name="Fuzz Events", country_code="AU")
    # Room for the fuzzer's invitations before the seat limit (MaxUsers) answers 409.
    CompanyCustomerDetails.objects.filter(company=company).update(max_users=50)
    # Rows for the links to carry: a second member and a pending invitation in the company, and
    # companies of another user that invited the admin (the admin's own invitations to accept).
    member = user("fuzz-member@example.com")
    joining = invitation_create(company=company, actor=admin, email=member.email, role="company_user")
    invitation_accept(token=invitation_token_rotate(invitation=joining), user=member)
    invitation_create(company=company, actor=admin, email="fuzz-guest@example.com", role="company_viewer")
    host = user("fuzz-host@example.com")
    for number in range(RECEIVED_INVITATIONS):
        other = company_create(creator=host, company_name=f"Host Events {number}", country_code="AU")
        invitation_create(company=other, actor=host, email=EMAIL, role="company_viewer")


def _start_gunicorn(work: Path) -> tuple[subprocess.Popen, str, Path]:
    """gunicorn of this virtualenv with the project's config file, on a free loopback port."""
    port = free_port()
    log = work / "gunicorn.log"
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "eventlead" / "gunicorn.conf.py"),
        "--no-control-socket",
        "eventlead.wsgi:application",
    ]
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}", "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=terminate_with_parent
        )
    return process, f"http://127.0.0.1:{port}", log


def _wait_until_healthy(server: subprocess.Popen, base: str, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SetupError(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            if _call(base, "/api/v1/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SetupError(f"gunicorn did not answer /api/v1/health in {seconds:.0f} s:\n{log.read_text()}")


def _check_token(base: str) -> None:
    """Sign in as schemathesis will, and use the token once."""
    status, body = _call(base, "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})
    if status != 200:
        raise SetupError(f"signing in answered {status}: {body}")
    status, body = _call(base, "/api/v1/users/me", token=body["access"])
    if status != 200:
        raise SetupError(f"GET /api/v1/users/me with a fresh token answered {status}: {body}")
    print(f"fuzz-gunicorn: signed in as {EMAIL}, admin of company {body['companies'][0]['companyId']}")


def _call(base: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    """POST ``body`` (or GET without one) as JSON through the TLS proxy the production settings expect."""
    headers = {"Accept": "application/json", "X-Forwarded-Proto": "https"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    # Always the gunicorn this script started, on loopback.
    request = urllib.request.Request(base + path, data=data, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _write_document(path: Path) -> None:
    """The document as ``/api/schema/`` serves it; the production settings do not serve it (SERVE_API_DOCS)."""
    from django.core.management import call_command

    call_command("spectacular", format="openapi-json", file=str(path), validate=True, fail_on_warn=True)


def _run_schemathesis(config: Path, document: Path, base: str, work: Path) -> int:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "--config-file",
        str(config),
        "run",
        str(document),
        "--url",
        base,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        EXAMPLES,
        "--header",
        "X-Forwarded-Proto: https",
        "--report",
        "junit",
        "--report-dir",
        str(work / "report"),
        *(["--seed", os.environ["FUZZ_SEED"]] if os.environ.get("FUZZ_SEED") else []),
        *shlex.split(os.environ.get("FUZZ_ARGS", "")),
    ]
    print("fuzz-gunicorn: " + shlex.join(command), flush=True)
    return subprocess.call(command, cwd=work)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM is gunicorn's graceful stop; kill only if it has not finished in time."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=35)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    sys.exit(main())
