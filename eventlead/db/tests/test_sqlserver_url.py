"""SQL Server ``DATABASE_URL``s: each form's real connection string, built without a server.

For every form the README lists, ``database_from_url`` gives the settings, Django's own
``ConnectionHandler`` loads the backend from them, and the connection string is built by
mssql-django's code exactly as ``get_new_connection`` builds it; it is parsed back with
mssql-django's parser and with mssql-python's (strict: allow-list, duplicates, empty values).
The bundled ODBC Driver 18 itself then gets each bundled-driver form's string through
``get_new_connection``, pointed at a loopback listener: it refuses an invalid value before it
dials, so its first packet at the listener means it took the string (and that packet shows what it
asks of the server, e.g. encryption). Past that handshake only a real server proves anything:
``make test-sqlserver``, run by ``.github/workflows/sqlserver.yml``.
"""

import json
import os
import re
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from django.db.utils import ConnectionHandler
from mssql.base import DatabaseWrapper as MssqlDjangoWrapper
from mssql_python.connection import Connection as MssqlPythonConnection
from mssql_python.connection_string_parser import _ConnectionStringParser

from eventlead.db.backends.mssql.base import DatabaseWrapper
from eventlead.db.config import ODBC_KEYWORDS, database_from_url, odbc_value

ROOT = Path(__file__).resolve().parents[3]
README = ROOT / "README.md"
WORKFLOW = ROOT / ".github" / "workflows" / "sqlserver.yml"
SCRIPT = ROOT / "scripts" / "with-sqlserver"
UNUSED_SQLITE = ROOT / "var" / "never-used.sqlite3"  # only an unset URL would use it
ENGINE = "eventlead.db.backends.mssql"

LOGIN = {"server": "sqlhost,1433", "uid": "sa", "pwd": "Secret", "database": "EventLeadPlatform"}
AZURE = {"server": "eventlead.database.windows.net", "database": "EventLeadPlatform"}
CLIENT_ID = "11111111-2222-3333-4444-555555555555"

# (id, URL exactly as the README lists it, the connection string parsed back, uses mssql-python)
FORMS = [
    (
        "sql-login",
        "mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?TrustServerCertificate=yes",
        {**LOGIN, "trustservercertificate": "yes"},
        True,
    ),
    (
        "mssqlms-scheme",
        "mssqlms://sa:Secret@sqlhost:1433/EventLeadPlatform?TrustServerCertificate=yes",
        {**LOGIN, "trustservercertificate": "yes"},
        True,
    ),
    (
        "password-special-characters",
        "mssql://sa:p%40ss%3Aw%2Frd%3B%7Bx%7D@sqlhost:1433/EventLeadPlatform?TrustServerCertificate=yes",
        {**LOGIN, "pwd": "p@ss:w/rd;{x}", "trustservercertificate": "yes"},
        True,
    ),
    (
        "password-leading-brace",
        "mssql://sa:%7Bp%7Dw%7D@sqlhost:1433/EventLeadPlatform?TrustServerCertificate=yes",
        {**LOGIN, "pwd": "{p}w}", "trustservercertificate": "yes"},
        True,
    ),
    (
        "encrypt-strict",
        "mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?Encrypt=strict&ServerCertificate=/etc/ssl/certs/sql%20server.pem",
        {**LOGIN, "encrypt": "Strict", "servercertificate": "/etc/ssl/certs/sql server.pem"},
        True,
    ),
    (
        "availability-group",
        "mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?ApplicationIntent=ReadOnly&MultiSubnetFailover=yes",
        {**LOGIN, "applicationintent": "ReadOnly", "multisubnetfailover": "yes"},
        True,
    ),
    (
        "django-options",
        "mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?TrustServerCertificate=yes&connection_timeout=30&query_timeout=60&isolation_level=READ_COMMITTED",
        {**LOGIN, "trustservercertificate": "yes"},
        True,
    ),
    (
        "entra-managed-identity",
        "mssql://eventlead.database.windows.net/EventLeadPlatform?Authentication=ActiveDirectoryMsi",
        {**AZURE, "authentication": "ActiveDirectoryMsi"},
        True,
    ),
    (
        "entra-user-assigned-identity",
        f"mssql://{CLIENT_ID}@eventlead.database.windows.net/EventLeadPlatform?Authentication=ActiveDirectoryMsi",
        {**AZURE, "uid": CLIENT_ID, "authentication": "ActiveDirectoryMsi"},
        True,
    ),
    (
        "entra-default",
        "mssql://eventlead.database.windows.net/EventLeadPlatform?Authentication=ActiveDirectoryDefault",
        {**AZURE, "authentication": "ActiveDirectoryDefault"},
        True,
    ),
    (
        "entra-integrated",
        "mssql://eventlead.database.windows.net/EventLeadPlatform?authentication=activedirectoryintegrated",
        {**AZURE, "authentication": "ActiveDirectoryIntegrated"},
        True,
    ),
    (
        "entra-service-principal",
        f"mssql://{CLIENT_ID}:Secret@eventlead.database.windows.net/EventLeadPlatform?Authentication=ActiveDirectoryServicePrincipal",
        {**AZURE, "uid": CLIENT_ID, "pwd": "Secret", "authentication": "ActiveDirectoryServicePrincipal"},
        True,
    ),
    (
        "kerberos",
        "mssql://sqlhost:1433/EventLeadPlatform?Trusted_Connection=yes",
        {"server": "sqlhost,1433", "trusted_connection": "yes", "database": "EventLeadPlatform"},
        True,
    ),
    (
        "integrated-security",
        "mssql://sqlhost:1433/EventLeadPlatform?Integrated%20Security=SSPI",
        {"server": "sqlhost,1433", "trusted_connection": "yes", "database": "EventLeadPlatform"},
        True,
    ),
    (
        "system-driver",
        "mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?driver=ODBC+Driver+18+for+SQL+Server&TrustServerCertificate=yes",
        {"driver": "ODBC Driver 18 for SQL Server", **LOGIN, "trustservercertificate": "yes"},
        False,
    ),
    (
        "freetds",
        "mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?driver=FreeTDS&host_is_server=true&TDS_Version=7.4",
        {"driver": "FreeTDS", "port": "1433", **LOGIN, "server": "sqlhost", "tds_version": "7.4"},
        False,
    ),
]
FORM_IDS = [form[0] for form in FORMS]
# The bundled driver fetches these modes' tokens itself (azure-identity, over the network) before
# it dials, so the loopback check below cannot reach them; their strings are checked as the rest.
FETCHES_A_TOKEN_FIRST = {"entra-managed-identity", "entra-user-assigned-identity", "entra-default"}


def settings_for(url):
    return database_from_url(url, default_sqlite=UNUSED_SQLITE)


def wrapper_for(config):
    """The backend exactly as Django loads it from DATABASES (defaults filled in, ENGINE imported)."""
    return ConnectionHandler({"default": config})["default"]


def connection_string(wrapper):
    """What ``get_new_connection`` passes to ``connect()``, built by mssql-django's own code."""
    params = wrapper.get_connection_params()
    driver = params.get("OPTIONS", {}).get("driver", "ODBC Driver 18 for SQL Server")
    return wrapper._build_connection_string(params, driver)


def strictly_parsed(connstr, *, allow_list):
    """mssql-python's parser: refuses duplicates, empty values and (with allow_list) unknown keywords."""
    return _ConnectionStringParser(validate_keywords=allow_list)._parse(connstr)


@pytest.mark.parametrize(("url", "expected", "python_driver"), [form[1:] for form in FORMS], ids=FORM_IDS)
def test_each_url_form_builds_the_connection_string_it_says(url, expected, python_driver):
    config = settings_for(url)
    wrapper = wrapper_for(config)
    assert config["ENGINE"] == ENGINE
    assert isinstance(wrapper, DatabaseWrapper)
    assert wrapper._uses_mssql_python(wrapper.get_connection_params()) is python_driver

    connstr = connection_string(wrapper)
    assert MssqlDjangoWrapper._parse_extra_params(connstr) == expected
    # Each keyword once, every value non-empty: mssql-python refuses the string otherwise.
    assert strictly_parsed(connstr, allow_list=False) == expected
    if python_driver:
        assert strictly_parsed(connstr, allow_list=True) == expected
        # mssql-python's own step from the string to the driver's: it validates and re-escapes.
        unconnected = MssqlPythonConnection.__new__(MssqlPythonConnection)
        _, final = MssqlPythonConnection._construct_connection_string(unconnected, connstr)
        assert {key.lower(): value for key, value in final.items()} == {
            **expected,
            "driver": "ODBC Driver 18 for SQL Server",
            "app": "MSSQL-Python",
        }


def test_a_password_with_special_characters_is_braced_and_escaped():
    wrapper = wrapper_for(settings_for(FORMS[2][1]))
    assert "PWD={p@ss:w/rd;{x}}};" in connection_string(wrapper)
    wrapper = wrapper_for(settings_for(FORMS[3][1]))
    assert "PWD={{p}}w}}};" in connection_string(wrapper)


def test_entra_modes_without_a_password_write_no_pwd_and_no_trusted_connection():
    for form_id, url, _, _ in FORMS:
        if form_id in {"entra-managed-identity", "entra-user-assigned-identity", "entra-default", "entra-integrated"}:
            parsed = MssqlDjangoWrapper._parse_extra_params(connection_string(wrapper_for(settings_for(url))))
            assert "pwd" not in parsed and "trusted_connection" not in parsed, form_id


def test_django_options_stay_options_and_odbc_keywords_go_to_extra_params():
    options = settings_for(FORMS[6][1])["OPTIONS"]
    assert options == {
        "python_driver": "mssql_python",
        "driver": "ODBC Driver 18 for SQL Server",
        "connection_timeout": 30,
        "query_timeout": 60,
        "isolation_level": "READ COMMITTED",
        "extra_params": "TrustServerCertificate=yes",
    }
    # A system driver leaves the bundled one: pyodbc path, DRIVER written by mssql-django.
    options = settings_for(FORMS[-2][1])["OPTIONS"]
    assert options == {"driver": "ODBC Driver 18 for SQL Server", "extra_params": "TrustServerCertificate=yes"}


def test_keys_are_case_insensitive_and_values_take_the_spelling_driver_18_accepts(listener):
    # Driver 18 itself refuses TrustServerCertificate=true ("Invalid value specified"): yes/no go in.
    url = (
        "mssqlms://sa:Secret@sqlhost/EventLeadPlatform?trustservercertificate=TRUE&ENCRYPT=Yes"
        "&applicationintent=readwrite&multisubnetfailover=false&Packet+Size=8192&serverspn=MSSQLSvc/sqlhost:1433"
    )
    extra = settings_for(url)["OPTIONS"]["extra_params"]
    assert extra == (
        "TrustServerCertificate=yes;Encrypt=yes;ApplicationIntent=ReadWrite;MultiSubnetFailover=no;"
        "PacketSize=8192;ServerSPN=MSSQLSvc/sqlhost:1433"
    )
    message = dial(url, listener)
    assert "Invalid value" not in message and listener.packets, message


def test_every_keyword_the_settings_place_is_on_mssql_pythons_allow_list():
    for spelling, (canonical, _) in ODBC_KEYWORDS.items():
        assert _ConnectionStringParser.normalize_key(spelling) == canonical
    assert _ConnectionStringParser.normalize_key("Trusted_Connection") == "Trusted_Connection"


@pytest.mark.parametrize("value", ["a;b", "{a", "a}b", "a=b", " a ", "a{;}}b", "plain"])
def test_odbc_values_round_trip_through_both_parsers(value):
    connstr = f"SERVER=h;X={odbc_value(value)};Y=z"
    assert MssqlDjangoWrapper._parse_extra_params(connstr)["x"] == value
    assert strictly_parsed(connstr, allow_list=False) == {"server": "h", "x": value, "y": "z"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mssql://sa:Secret@sqlhost/EventLeadPlatform?TrustServerCertificate=yes&trustservercertificate=no",
            "given twice",
        ),
        (
            "mssql://sa:Secret@sqlhost/EventLeadPlatform?TrustServerCertificate=yes&Trust_Server_Certificate=no",
            "given twice",
        ),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?Encrypt=", "has no value"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?Encrypt", "has no value"),
        (
            "mssql://sa:Secret@sqlhost/EventLeadPlatform?Encrypt=maybe",
            "Encrypt=maybe: expected one of yes, no, Mandatory",
        ),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?TrustServerCertificate=sometimes", "expected one of yes, no"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?Authentication=Magic", "expected one of SqlPassword"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?ApplicationIntent=Sideways", "expected one of ReadOnly"),
        (
            "mssql://sa:Secret@sqlhost/EventLeadPlatform?Foo=bar",
            "'Foo' is not an ODBC keyword the bundled mssql-python",
        ),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?Server=other", "comes from the URL's host"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?PWD=other", "comes from the URL's password"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?extra_params=Encrypt%3Dno", "the individual ODBC keywords"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?python_driver=pyodbc", "driver="),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?driver=FreeTDS&Bad%3BKey=1", "not a valid ODBC keyword"),
        ("mssql://sa:Secret@sqlhost:1433/EventLeadPlatform?driver=FreeTDS", "add host_is_server=true"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?host_is_server=true", "only applies to a system ODBC driver"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?connection_timeout=soon", "expected a whole number"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?isolation_level=chaos", "expected one of READ COMMITTED"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?datefirst=9", "expected 1 (Monday) to 7"),
        (
            "mssql://sa:Secret@h.database.windows.net/EventLeadPlatform?Authentication=ActiveDirectoryMsi",
            "takes no password",
        ),
        (
            "mssql://someone@h.database.windows.net/EventLeadPlatform?Authentication=ActiveDirectoryDeviceCode",
            "takes no user name",
        ),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?Trusted_Connection=yes", "drop the user and password"),
        ("mssql://sqlhost/EventLeadPlatform?Trusted_Connection=no", "only yes (or SSPI)"),
        ("mssql://sqlhost/EventLeadPlatform?Trusted_Connection=yes&Integrated%20Security=SSPI", "not both"),
        (
            "mssql://sqlhost/EventLeadPlatform?Trusted_Connection=yes&Authentication=ActiveDirectoryMsi",
            "cannot be combined",
        ),
        ("mssql://sqlhost/EventLeadPlatform", "give a user and password"),
        ("mssql://sa@sqlhost/EventLeadPlatform", "give a user and password"),
        ("mssql://sa:Secret@sqlhost/EventLeadPlatform?Authentication=SqlPassword&TrustServerCertificate=yes", None),
        ("mssql://sa:Secret@sqlhost:1433/", "name the database"),
        ("mssql://sa:Secret@:1433/EventLeadPlatform", "name the server"),
        ("mssql://sa:%20Secret@sqlhost/EventLeadPlatform", "starts or ends with a blank"),
    ],
)
def test_forms_that_cannot_be_placed_are_refused_with_a_clear_error(url, message):
    if message is None:  # the control: a valid form next to the refused ones
        assert settings_for(url)["OPTIONS"]["extra_params"] == "Authentication=SqlPassword;TrustServerCertificate=yes"
        return
    with pytest.raises(ValueError, match=r"^DATABASE_URL for SQL Server: .*" + re.escape(message)):
        settings_for(url)


class Listener:
    """A loopback TCP port that keeps the first packet a client sends, then hangs up."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.packets = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while True:
            try:
                conn, _ = self.socket.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.packets.append(conn.recv(4096))
                except OSError:
                    self.packets.append(b"")

    def close(self):
        self.socket.close()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


TDS_PRELOGIN = 0x12
TLS_HANDSHAKE = 0x16  # TDS 8 (Encrypt=Strict) opens with TLS before any TDS packet


def prelogin_encryption(packet):
    """The ENCRYPTION option (token 1) of a TDS PRELOGIN packet: 0 off, 1 on ([MS-TDS] 2.2.6.5)."""
    assert packet[0] == TDS_PRELOGIN
    body, at = packet[8:], 0
    while body[at] != 0xFF:
        token, offset = body[at], int.from_bytes(body[at + 1 : at + 3], "big")
        if token == 1:
            return body[offset]
        at += 5
    raise AssertionError("no ENCRYPTION option in PRELOGIN")


def dial(url, listener):
    """``get_new_connection`` (mssql-django) -> mssql-python -> ODBC Driver 18, at the listener."""
    config = settings_for(url)
    config.update(HOST="127.0.0.1", PORT=str(listener.port))
    config["OPTIONS"]["connection_timeout"] = 5
    wrapper = wrapper_for(config)
    with pytest.raises(Exception) as failure:
        wrapper.get_new_connection(wrapper.get_connection_params())
    return str(failure.value)


DIALLED = [form for form in FORMS if form[3] and form[0] not in FETCHES_A_TOKEN_FIRST]


@pytest.mark.parametrize(("url", "expected"), [form[1:3] for form in DIALLED], ids=[form[0] for form in DIALLED])
def test_the_bundled_odbc_driver_18_takes_each_string_and_dials(url, expected, listener):
    """The driver refuses a bad keyword or value before it dials (``Invalid value specified for
    connection string attribute``); here it dials and sends its first packet, and the handshake
    ends at the hang-up."""
    # What it is given: the form's whole string (the server aside, which now is the listener).
    given = MssqlDjangoWrapper._parse_extra_params(connection_string(wrapper_for(settings_for(url))))
    assert given == expected
    message = dial(url, listener)
    assert "Invalid value" not in message and "parsing failed" not in message, message
    assert len(listener.packets) >= 1, message
    assert listener.packets[0][:1] in (bytes([TDS_PRELOGIN]), bytes([TLS_HANDSHAKE])), message


def test_encrypt_reaches_the_wire(listener):
    """Driver 18 asks for encryption unless told otherwise; Encrypt=no and strict change its first packet."""
    first_packets = []
    for url in (
        FORMS[0][1],  # TrustServerCertificate=yes, no Encrypt: on by default
        "mssql://sa:Secret@sqlhost/EventLeadPlatform?Encrypt=no",
        FORMS[4][1],  # Encrypt=strict
    ):
        sent = len(listener.packets)
        dial(url, listener)
        first_packets.append(listener.packets[sent])
    default, off, strict = first_packets
    assert prelogin_encryption(default) == 1
    assert prelogin_encryption(off) == 0
    assert strict[0] == TLS_HANDSHAKE


def test_the_bundled_driver_would_refuse_what_the_settings_refuse(listener):
    """The control: a value the settings refuse, sent as is, never leaves the driver."""
    config = settings_for(FORMS[0][1])
    config.update(HOST="127.0.0.1", PORT=str(listener.port))
    config["OPTIONS"].update(extra_params="TrustServerCertificate=true", connection_timeout=5)
    wrapper = wrapper_for(config)
    refused = "Invalid value specified for connection string attribute 'TrustServerCertificate'"
    with pytest.raises(Exception, match=refused):
        wrapper.get_new_connection(wrapper.get_connection_params())
    assert listener.packets == []


# --- the README, loading settings as a user does, make test-sqlserver, the workflow ---------------


def sqlserver_section():
    text = README.read_text()
    start = text.index("### SQL Server\n")
    end = text.index("\n## ", start)
    return text[start:end]


def readme_forms():
    """The fenced block of URL forms: each URL line, then its connection string indented."""
    block = re.search(r"```text\n(.*?)```", sqlserver_section(), re.S).group(1)
    forms = []
    for line in block.splitlines():
        if line.startswith(("mssql://", "mssqlms://")):
            forms.append([line, None])
        elif line.startswith("    "):
            forms[-1][1] = line.strip()
    return forms


def run_here_command():
    lines = [line for line in sqlserver_section().splitlines() if line.startswith("DEBUG=1 DATABASE_URL=")]
    assert len(lines) == 1
    return lines[0].split("  #")[0].strip()


def user_environment():
    """The environment of someone at a shell: no test settings module, no DATABASE_URL of the run."""
    env = dict(os.environ)
    for name in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "SECRET_KEY", "JWT_SIGNING_KEY"):
        env.pop(name, None)
    return env


def test_the_readme_lists_exactly_the_tested_forms_with_their_connection_strings():
    forms = readme_forms()
    assert [url for url, _ in forms] == [form[1] for form in FORMS]
    for url, shown in forms:
        assert shown == connection_string(wrapper_for(settings_for(url))), url
    # Every SQL Server URL anywhere in the section is one of them.
    urls = re.findall(r"mssql(?:ms)?://[^\s'\"`]+", sqlserver_section())
    assert urls and set(urls) <= {form[1] for form in FORMS}


def test_the_readme_command_loads_settings_and_backend_without_a_server():
    command = run_here_command()
    result = subprocess.run(
        ["bash", "-c", command], cwd=ROOT, env=user_environment(), capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("url", [FORMS[0][1], FORMS[1][1]], ids=["mssql", "mssqlms"])
def test_manage_py_loads_the_sqlserver_backend_from_the_url(url):
    code = (
        "from django.db import connections; c = connections['default']; "
        "print(type(c).__module__, c.vendor, c.settings_dict['OPTIONS']['extra_params'])"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**user_environment(), "DEBUG": "1", "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1]
    assert printed == "eventlead.db.backends.mssql.base microsoft TrustServerCertificate=yes"


def test_make_test_sqlserver_runs_the_suite_through_the_script():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^\.PHONY:.* test-sqlserver\b", makefile, re.M)
    recipe = re.search(r"^test-sqlserver: install-dev\n\t(.+)$", makefile, re.M).group(1)
    assert recipe == 'scripts/with-sqlserver $(PYTEST) -m "not browser and not fuzz and not postgres"'
    assert SCRIPT.stat().st_mode & stat.S_IXUSR


def run_script(tmp_path, env, *command, docker=None):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    if docker:
        (bin_dir / "docker").write_text(docker)
        (bin_dir / "docker").chmod(0o755)
    env = {**user_environment(), **env, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    return subprocess.run([str(SCRIPT), *command], env=env, capture_output=True, text=True, timeout=60)


def test_the_script_refuses_to_run_without_a_server(tmp_path):
    # Neither DATABASE_URL nor a Docker engine (a client that cannot reach one, as on these machines).
    no_engine = "#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n"
    result = run_script(tmp_path, {}, "true", docker=no_engine)
    assert result.returncode != 0
    assert "No SQL Server to test against" in result.stderr


def test_the_script_runs_the_command_against_the_given_url(tmp_path):
    url = FORMS[0][1]
    result = run_script(tmp_path, {"DATABASE_URL": url}, "sh", "-c", 'echo "$DATABASE_URL"')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == url
    assert "Secret" not in result.stderr
    # Not a SQL Server URL: refused rather than running the suite on another engine.
    result = run_script(tmp_path, {"DATABASE_URL": "postgres://u@h/db"}, "true")
    assert result.returncode == 2 and "not a SQL Server URL" in result.stderr


FAKE_DOCKER = """#!/usr/bin/env python3
import json, os, sys
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1] == "inspect":
    print(os.environ["FAKE_DOCKER_HEALTH"])
"""


@pytest.mark.parametrize("health", ["healthy/running", "unhealthy/running"])
def test_the_script_starts_waits_for_and_removes_a_container(tmp_path, health):
    """With a stand-in for the docker client: the script's own steps, in order, and the cleanup."""
    log = tmp_path / "docker.log"
    result = run_script(
        tmp_path,
        {"FAKE_DOCKER_LOG": str(log), "FAKE_DOCKER_HEALTH": health},
        "sh",
        "-c",
        'echo "$DATABASE_URL"; exit 3',
        docker=FAKE_DOCKER,
    )
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    verbs = [call[0] for call in calls]
    assert verbs[0] == "info" and verbs[1] == "run" and verbs[-1] == "rm"
    run = calls[1]
    assert run[-1] == "mcr.microsoft.com/mssql/server:2022-latest"
    assert "MSSQL_SA_PASSWORD" in run and not any("MSSQL_SA_PASSWORD=" in arg for arg in run)  # not on a command line
    port = run[run.index("--publish") + 1]
    assert re.fullmatch(r"127\.0\.0\.1:\d+:1433", port)
    health_cmd = run[run.index("--health-cmd") + 1]
    assert subprocess.run(["sh", "-n", "-c", health_cmd]).returncode == 0
    assert calls[-1][:3] == ["rm", "--force", "--volumes"]
    if health == "unhealthy/running":
        assert result.returncode == 1 and "did not become healthy" in result.stderr
        assert "exec" not in verbs
        return
    assert result.returncode == 3  # the command's own status
    create = next(call for call in calls if call[0] == "exec")
    assert "CREATE DATABASE [EventLeadPlatform]" in create[-1]
    url = result.stdout.strip()
    config = settings_for(url)
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"]) == (
        ENGINE,
        "127.0.0.1",
        port.split(":")[1],
        "EventLeadPlatform",
    )
    assert config["USER"] == "sa" and len(config["PASSWORD"]) >= 30


def test_the_workflow_runs_make_test_sqlserver_against_a_sql_server_2022_service():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert workflow.get("on", workflow.get(True))  # PyYAML reads the key 'on' as True
    job = workflow["jobs"]["sqlserver"]
    assert job["runs-on"] == "ubuntu-latest"
    service = job["services"]["mssql"]
    assert service["image"] == "mcr.microsoft.com/mssql/server:2022-latest"
    assert service["env"]["ACCEPT_EULA"] == "Y"
    assert "1433:1433" in service["ports"]
    assert "--health-cmd" in service["options"] and "--health-retries" in service["options"]

    config = settings_for(job["env"]["DATABASE_URL"])
    assert config["ENGINE"] == ENGINE
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("localhost", "1433", "EventLeadPlatform")
    assert config["OPTIONS"]["extra_params"] == "TrustServerCertificate=yes"
    password = service["env"]["MSSQL_SA_PASSWORD"]
    assert config["USER"] == "sa" and config["PASSWORD"] == password
    assert f"-P {password} " in service["options"]

    steps = job["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    setup_python = [step for step in steps if step.get("uses", "").startswith("actions/setup-python")]
    assert [step["with"]["python-version"] for step in setup_python] == ["3.11"]
    assert "unixodbc" in runs and "make install-dev" in runs
    assert steps[-1]["run"] == "make test-sqlserver"
