"""Hostile HTTP on a real gunicorn with the production settings, spoken byte by byte over a socket.

- A Host not in ALLOWED_HOSTS, a Content-Length over the body limit, an unknown /api/ path:
  JSON in the error shape, never Django's HTML page, with the API's headers.
- A body shorter than its Content-Length: runserver waits for the rest as long as the client
  does. Under gunicorn's sync workers (eventlead/gunicorn.conf.py) the worker timeout ends it:
  the worker is replaced and the client's connection answered and closed (README, "Operations").
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventlead.core.tests.test_production_settings import PRODUCTION_ENV

ROOT = Path(__file__).resolve().parent.parent
HOST = PRODUCTION_ENV["ALLOWED_HOSTS"]
# The test's worker timeout, short so the test is quick; the deadline is ten times that, a bound
# on "the server ends it", not a measure of how fast.
WORKER_TIMEOUT_SECONDS = 2
DEADLINE_SECONDS = 10 * WORKER_TIMEOUT_SECONDS
BODY_LIMIT = 1024 * 1024  # DATA_UPLOAD_MAX_MEMORY_SIZE

pytestmark = pytest.mark.slow
# Each server's access log (GUNICORN_ACCESS_LOG), by port.
ACCESS_LOGS: dict[int, Path] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn serving the production settings on loopback; yields its port."""
    var = tmp_path_factory.mktemp("gunicorn-hardening")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "REQUIRE_POSTGRES")}
    env.update(
        PRODUCTION_ENV,
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        VAR_DIR=str(var),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_TIMEOUT=str(WORKER_TIMEOUT_SECONDS),
        GUNICORN_ACCESS_LOG=str(var / "access.log"),
    )
    ACCESS_LOGS[port] = var / "access.log"
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "eventlead/gunicorn.conf.py", "eventlead.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_up(port)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def _wait_until_up(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _exchange(port, _request("GET", "/api/v1/health")).startswith(b"HTTP/1.1 200"):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def _request(method: str, path: str, host: str = HOST, headers: str = "", body: bytes = b"") -> bytes:
    # The proxy in front ends TLS and says so (SECURE_PROXY_SSL_HEADER); otherwise every answer is a redirect.
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-Proto: https\r\n{headers}\r\n"
    return head.encode() + body


def _exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, then read until the server closes; a socket timeout past the deadline fails the test."""
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_SECONDS) as connection:
        connection.sendall(data)
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # closed with our unread bytes pending: closed all the same
        except TimeoutError:
            pytest.fail(f"the server neither answered nor closed within {DEADLINE_SECONDS} s: {answer[:200]!r}")
        return answer


def _parse(answer: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return int(status_line.split()[1]), headers, body


def _unchunk(body: bytes) -> bytes:
    data = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        data, body = data + body[:size], body[size + 2 :]
    return data


def _json_error(answer: bytes, expected_status: int) -> str:
    status, headers, body = _parse(answer)
    assert status == expected_status, answer[:500]
    assert headers["content-type"] == "application/json"
    assert headers["cache-control"] == "no-store"
    assert "default-src 'none'" in headers["content-security-policy"]
    error = json.loads(body)["error"]
    assert error["requestId"] == headers["x-request-id"]
    return error["code"]


def test_an_unknown_host_is_a_json_400(server):
    answer = _exchange(server, _request("GET", "/api/v1/health", host="attacker.example"))

    assert _json_error(answer, 400) == "bad_request"


def test_a_content_length_over_the_body_limit_is_a_json_413(server):
    # Only the headers are sent: Django refuses on the declared length, before reading anything.
    headers = f"Content-Type: application/json\r\nContent-Length: {BODY_LIMIT + 1}\r\n"

    answer = _exchange(server, _request("POST", "/api/v1/auth/login", headers=headers))

    assert _json_error(answer, 413) == "payload_too_large"


def test_a_deeply_nested_body_is_a_json_400(server):
    body = b"[" * 500 + b"]" * 500
    headers = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"

    answer = _exchange(server, _request("POST", "/api/v1/auth/verify-email", headers=headers, body=body))

    assert _json_error(answer, 400) == "validation_error"


def test_an_unknown_api_path_is_a_json_404(server):
    answer = _exchange(server, _request("GET", "/api/v1/nothing-here"))

    assert _json_error(answer, 404) == "not_found"


def test_a_body_shorter_than_its_content_length_is_ended_by_the_worker_timeout(server):
    headers = "Content-Type: application/json\r\nContent-Length: 1000\r\n"

    # Ten bytes of the thousand promised, then silence; _exchange fails if the server waits past the deadline.
    answer = _exchange(server, _request("POST", "/api/v1/auth/login", headers=headers, body=b'{"email":1'))

    # gunicorn's arbiter aborts the worker, which answers its own plain 500 as it goes (Django
    # never saw a whole request), or the connection just closes.
    assert answer == b"" or _parse(answer)[0] == 500, answer[:300]
    # A fresh worker took its place.
    assert _parse(_exchange(server, _request("GET", "/api/v1/health")))[0] == 200


def test_the_access_log_redacts_secrets_in_the_request_line_and_headers(server):
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXZhbHVl"
    invitation = "q7Vx2LmN9pR4sT6uW8yZ0aB1cD3eF5gH7iJ9kL1mN3o"
    path = f"/api/v1/invitations/{invitation}?refreshToken=s3cret-refresh-value&page=2"
    headers = f"Referer: https://app.example.com/accept?token={jwt}\r\nUser-Agent: probe/1.0 password=hunter22\r\n"

    status, _, _ = _parse(_exchange(server, _request("GET", path, headers=headers)))

    assert status == 404
    log = ACCESS_LOGS[server].read_text()
    assert "/api/v1/invitations/[redacted]?refreshToken=[redacted]&page=2" in log
    for secret in (jwt, invitation, "s3cret-refresh-value", "hunter22"):
        assert secret not in log
