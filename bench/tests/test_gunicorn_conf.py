"""eventlead/gunicorn.conf.py reads its settings from the environment."""

import multiprocessing
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "eventlead" / "gunicorn.conf.py"
VARIABLES = [
    "GUNICORN_BIND",
    "GUNICORN_WORKERS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_GRACEFUL_TIMEOUT",
    "GUNICORN_ACCESS_LOG",
]


def load(monkeypatch, **env):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_defaults_listen_on_loopback_without_an_access_log(monkeypatch):
    conf = load(monkeypatch)

    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["accesslog"] is None
    assert conf["graceful_timeout"] == 30


def test_default_workers_follow_the_cores_up_to_the_cap(monkeypatch):
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 2)
    assert load(monkeypatch)["workers"] == 5

    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: 64)
    conf = load(monkeypatch)
    assert conf["workers"] == conf["MAX_DEFAULT_WORKERS"] == 12


def test_environment_overrides_every_default(monkeypatch):
    conf = load(
        monkeypatch,
        GUNICORN_BIND="0.0.0.0:9000",
        GUNICORN_WORKERS="3",
        GUNICORN_TIMEOUT="60",
        GUNICORN_GRACEFUL_TIMEOUT="10",
        GUNICORN_ACCESS_LOG="-",
    )

    assert (conf["bind"], conf["workers"], conf["timeout"], conf["graceful_timeout"], conf["accesslog"]) == (
        "0.0.0.0:9000",
        3,
        60,
        10,
        "-",
    )


def test_worker_exit_writes_the_buffered_request_log(monkeypatch):
    from logging_app import request_log

    flushed = []
    monkeypatch.setattr(request_log, "flush_on_exit", lambda: flushed.append(True))

    load(monkeypatch)["worker_exit"](server=None, worker=None)

    assert flushed == [True]
