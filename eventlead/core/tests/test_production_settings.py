"""Production settings: check --deploy is clean, and the headers and CORS behave."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "eventlead.production_settings",
    "SECRET_KEY": "p" * 20 + "roduction-secret-key-with-enough-entropy-0123456789",
    "JWT_SIGNING_KEY": "a-different-production-jwt-signing-key-0123456789abcdef",
    "ALLOWED_HOSTS": "api.eventlead.example",
    "DEBUG": "0",
}


def _manage(*args, **extra_env):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV, **extra_env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", SECRET_KEY="")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_debug():
    result = _manage("check", DEBUG="1")

    assert result.returncode != 0
    assert "refuse DEBUG" in result.stderr
