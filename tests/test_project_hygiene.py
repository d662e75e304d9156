"""What keeps the project installable and clean: the runtime lock holds no test tool, the running
service imports none, and ruff's configuration covers the code it is meant to cover."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# Tools that only tests, benchmarks and developers use; none may reach a production install.
TEST_TOOLS = {
    "pytest",
    "pytest-django",
    "factory-boy",
    "aiosmtpd",
    "hypothesis",
    "schemathesis",
    "playwright",
    "greenlet",
    "sqlglot",
    "mutmut",
    "babel",
    "phonenumbers",
    "ruff",
    "mypy",
    "django-stubs",
    "djangorestframework-stubs",
    "pre-commit",
    "uv",
}

# Modules for developers and tests only, each with the dev tool it needs. The service never
# imports them; a production install cannot.
DEV_ONLY_MODULES = {
    "eventlead.testing": "test support (aiosmtpd, schemathesis, sqlglot)",
    "eventlead.backoffice.testing": "pytest fixtures",
    "eventlead.db.sqlserver": "the offline SQL Server script (sqlglot)",
}
APPS = ["eventlead", "accounts", "companies", "reference", "configuration", "auditing", "logging_app", "abrcache"]


def locked(path: str) -> dict[str, tuple[str, str]]:
    """``name -> (version, via)`` from a uv lock; ``via`` is the annotation's text. Every entry has hashes."""
    text = (ROOT / path).read_text()
    entries = {}
    for match in re.finditer(r"^([A-Za-z0-9_.\-\[\]]+)==(\S+)(.*?)(?=^[A-Za-z0-9]|\Z)", text, re.M | re.S):
        name, version, rest = match.groups()
        assert re.search(r"^\s+--hash=sha256:[0-9a-f]{64}", rest, re.M), f"{path}: {name} has no hash"
        via = " ".join(line.strip().lstrip("#").strip() for line in rest.splitlines() if line.strip().startswith("#"))
        entries[canonicalize_name(Requirement(name).name)] = (version, via)
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9]", text, re.M)), f"{path}: an entry not read"
    return entries


def pins(requirements: list[str]) -> dict[str, str]:
    result = {}
    for line in requirements:
        requirement = Requirement(line)
        [specifier] = requirement.specifier
        assert specifier.operator == "==", f"{line}: pin an exact version"
        result[canonicalize_name(requirement.name)] = specifier.version
    return result


RUNTIME = pins(PYPROJECT["project"]["dependencies"])
DEV = pins(PYPROJECT["project"]["optional-dependencies"]["dev"])


def test_the_runtime_lock_holds_no_test_tool():
    runtime_lock = locked("requirements.txt")

    assert not TEST_TOOLS & runtime_lock.keys()
    # A dev pin may be in the runtime lock only because a runtime package needs it (requests,
    # through mssql-python's Azure sign-in), never because the project asked for it there.
    for name in DEV.keys() & runtime_lock.keys():
        assert "pyproject.toml" not in runtime_lock[name][1], name


def test_every_test_tool_is_a_dev_pin_and_no_runtime_pin():
    assert DEV.keys() >= TEST_TOOLS
    assert not TEST_TOOLS & RUNTIME.keys()


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_the_locks_hold_pyproject_pins_exactly(lock):
    entries = locked(lock)
    wanted = RUNTIME | (DEV if lock == "requirements-dev.txt" else {})

    assert {name: entries[name][0] for name in wanted} == wanted


def test_the_dev_lock_agrees_with_the_runtime_lock():
    runtime_lock, dev_lock = locked("requirements.txt"), locked("requirements-dev.txt")

    assert {name: version for name, (version, _) in runtime_lock.items()} == {
        name: dev_lock[name][0] for name in runtime_lock
    }


BLOCK_DEV_TOOLS = """
import importlib, importlib.abc, pkgutil, sys
BLOCKED = {blocked!r}
DEV_ONLY = {dev_only!r}

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            # What Python raises for a module that is not installed.
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Block())
import django
django.setup()
from django.core.management import call_command
from django.urls import get_resolver
call_command("check", "--deploy", "--fail-level", "ERROR")
get_resolver().url_patterns
imported = 0
for app in {apps!r}:
    package = importlib.import_module(app)
    for info in pkgutil.walk_packages(package.__path__, app + "."):
        name = info.name
        parts = name.split(".")
        if {{"tests", "migrations", "token_blacklist_migrations"}} & set(parts) or name in DEV_ONLY:
            continue
        if any(name.startswith(module + ".") for module in DEV_ONLY):
            continue
        importlib.import_module(name)
        imported += 1
print(imported)
"""


def test_the_service_runs_without_any_test_tool(tmp_path):
    """Production settings, every module of the service imported, with each test tool unimportable."""
    blocked = {"pytest", "aiosmtpd", "hypothesis", "schemathesis", "playwright", "sqlglot", "mutmut", "babel"}
    blocked |= {"phonenumbers", "factory", "mypy", "ruff", "pre_commit", "_pytest", "greenlet", "uv"}
    script = BLOCK_DEV_TOOLS.format(blocked=blocked, dev_only=set(DEV_ONLY_MODULES), apps=APPS)
    environment = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "eventlead.production_settings",
        "SECRET_KEY": "production-check-7f3a9c2e41b86d05e9a1c4f7b2d8e6035a9c1f4e7b2d8",
        "JWT_SIGNING_KEY": "production-check-jwt-0c9e4b7a2f61d8e35b9a0c4f7e2d1b8a6c3f9e0d",
        "ALLOWED_HOSTS": "api.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/production.sqlite3",
    }
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    assert int(finished.stdout.split()[-1]) > 80  # every module of the service, not a handful


def test_a_dev_only_command_says_what_to_install(tmp_path):
    """Running a developer command on a production install is a clear error, not a traceback."""
    script = BLOCK_DEV_TOOLS.split("import django")[0] + (
        "import django\ndjango.setup()\n"
        "from django.core.management import call_command\n"
        "from django.core.management.base import CommandError\n"
        "for command in ('render_sqlserver_schema', 'build_seed_fixtures'):\n"
        "    try:\n"
        "        call_command(command)\n"
        "    except CommandError as error:\n"
        "        print(error)\n"
    ).replace("{", "{{").replace("}", "}}")
    script = script.format(blocked={"sqlglot", "babel", "phonenumbers"}, dev_only=set())
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "eventlead.test_settings"}
    finished = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )

    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = finished.stdout.splitlines()
    assert lines == [
        "render_sqlserver_schema needs the development tools (sqlglot): pip install -r requirements-dev.txt",
        "build_seed_fixtures needs the development tools (phonenumbers): pip install -r requirements-dev.txt",
    ]


# ruff covers what it must: an unused import in a service and an unformatted line are findings.
@pytest.mark.parametrize("module", ["accounts/services.py", "companies/services.py", "eventlead/core/redaction.py"])
def test_ruff_reports_an_unused_import_in_a_service(module):
    source = (ROOT / module).read_text()
    ruff = [sys.executable, "-m", "ruff"]

    clean = subprocess.run(
        [*ruff, "check", "--stdin-filename", module, "-"], input=source, capture_output=True, text=True
    )
    broken = subprocess.run(
        [*ruff, "check", "--stdin-filename", module, "-"], input="import os\n" + source, capture_output=True, text=True
    )

    assert clean.returncode == 0, clean.stdout
    assert broken.returncode == 1
    assert "F401" in broken.stdout and "`os` imported but unused" in broken.stdout


def test_ruff_format_reports_an_unformatted_line():
    module = "accounts/services.py"
    source = (ROOT / module).read_text().replace("\n\n\ndef ", "\n\n\ndef  ", 1)
    ruff = [sys.executable, "-m", "ruff", "format", "--check", "--stdin-filename", module, "-"]

    finished = subprocess.run(ruff, input=source, capture_output=True, text=True)

    assert finished.returncode == 1
