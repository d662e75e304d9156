"""Pieces every bench script needs: signal handling, a free port, a small JSON HTTP client."""

from __future__ import annotations

import contextlib
import ctypes
import json
import signal
import socket
import urllib.error
import urllib.request

PR_SET_PDEATHSIG = 1


def interrupt(signum, frame):
    """SIGTERM unwinds like Ctrl-C, so gunicorn is stopped on every way out."""
    raise KeyboardInterrupt


def terminate_with_parent() -> None:
    """Ask Linux for SIGTERM when the parent dies, so killing a wrapper never orphans gunicorn."""
    # Not Linux: Ctrl-C still reaches the whole process group.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(url: str, body: dict | None = None, token: str | None = None) -> tuple[int, dict]:
    """POST ``body`` (or GET without one) as JSON; return the status and the decoded answer."""
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
