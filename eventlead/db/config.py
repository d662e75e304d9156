"""Turn ``DATABASE_URL`` into Django's ``DATABASES`` entry, on the schema-aware backends.

SQL Server (``mssql://`` or ``mssqlms://``): mssql-django reads only ``dsn``, ``extra_params`` and
``host_is_server`` (plus its own keys) from OPTIONS, so the ODBC keywords of the URL's query
(``?TrustServerCertificate=yes``) are moved into ``OPTIONS["extra_params"]``, escaped by the ODBC
rules, and anything this cannot place is refused rather than silently dropped.
"""

import re
from pathlib import Path
from typing import NoReturn, TypeAlias
from urllib.parse import parse_qsl, urlsplit

import dj_database_url
from dj_database_url import DBConfig

ENGINES = {
    "django.db.backends.sqlite3": "eventlead.db.backends.sqlite3",
    "django.db.backends.postgresql": "eventlead.db.backends.postgresql",
    "mssql": "eventlead.db.backends.mssql",  # mssqlms://
    "sql_server.pyodbc": "eventlead.db.backends.mssql",  # mssql://: dj-database-url names a retired engine
}
MSSQL_ENGINES = {"mssql", "sql_server.pyodbc"}

# mssql-python bundles Microsoft's ODBC Driver 18 and chooses it itself (it refuses DRIVER).
MSSQL_PYTHON = "mssql_python"
DEFAULT_ODBC_DRIVER = "ODBC Driver 18 for SQL Server"
# mssql-django's test for a Microsoft driver (SERVER=host,port rather than SERVERNAME=host).
MICROSOFT_DRIVER = re.compile(r"^ODBC Driver .* for SQL Server$|^SQL Server Native Client")

YES_NO = {"yes": "yes", "true": "yes", "no": "no", "false": "no"}
ENCRYPT = {**YES_NO, "mandatory": "Mandatory", "optional": "Optional", "strict": "Strict"}
APPLICATION_INTENT = {"readonly": "ReadOnly", "readwrite": "ReadWrite"}
IP_ADDRESS_PREFERENCE = {"ipv4first": "IPv4First", "ipv6first": "IPv6First", "useplatformdefault": "UsePlatformDefault"}
# Entra ID (and SQL) authentication modes of ODBC Driver 18 and mssql-python.
AUTHENTICATION = {
    mode.lower(): mode
    for mode in (
        "SqlPassword",
        "ActiveDirectoryPassword",
        "ActiveDirectoryServicePrincipal",
        "ActiveDirectoryIntegrated",
        "ActiveDirectoryInteractive",
        "ActiveDirectoryMsi",
        "ActiveDirectoryDefault",
        "ActiveDirectoryDeviceCode",
    )
}
# The driver acquires the credential: the URL carries no password, and mssql-django writes no PWD.
PASSWORDLESS = {
    "activedirectoryintegrated",
    "activedirectoryinteractive",
    "activedirectorymsi",
    "activedirectorydefault",
    "activedirectorydevicecode",
}
# mssql-django leaves PWD out only for these; with a user name, any other mode would get "PWD=".
MSSQL_DJANGO_PASSWORDLESS = PASSWORDLESS - {"activedirectorydevicecode"}
TRUSTED_VALUES = {"yes", "true", "sspi"}

# How an ODBC keyword's value is checked: a whole number, any text, or one of some spellings
# (lower-case spelling -> the canonical one).
OdbcCheck: TypeAlias = type[int] | type[str] | dict[str, str]
# ODBC keywords with a checked value: lower-case spelling -> (canonical keyword, check).
# Every canonical keyword is one mssql-python accepts (its allow-list), so these work on both paths.
ODBC_KEYWORDS: dict[str, tuple[str, OdbcCheck]] = {
    "trustservercertificate": ("TrustServerCertificate", YES_NO),
    "trust_server_certificate": ("TrustServerCertificate", YES_NO),
    "encrypt": ("Encrypt", ENCRYPT),
    "authentication": ("Authentication", AUTHENTICATION),
    "applicationintent": ("ApplicationIntent", APPLICATION_INTENT),
    "multisubnetfailover": ("MultiSubnetFailover", YES_NO),
    "ipaddresspreference": ("IpAddressPreference", IP_ADDRESS_PREFERENCE),
    "connectretrycount": ("ConnectRetryCount", int),
    "connectretryinterval": ("ConnectRetryInterval", int),
    "keepalive": ("KeepAlive", int),
    "keepaliveinterval": ("KeepAliveInterval", int),
    "packetsize": ("PacketSize", int),
    "packet size": ("PacketSize", int),
    "hostnameincertificate": ("HostnameInCertificate", str),
    "servercertificate": ("ServerCertificate", str),
    "serverspn": ("ServerSPN", str),
}
# A Windows (on Linux: Kerberos) login: mssql-django itself writes Trusted_Connection=yes
# (Integrated Security=SSPI for a non-Microsoft driver) when there is no user name.
TRUSTED_KEYWORDS = {"trusted_connection", "integrated security"}
# Written by mssql-django from the URL's own parts, or chosen by the driver: never from the query.
STRUCTURAL_KEYWORDS = {
    "server": "the URL's host and port",
    "address": "the URL's host and port",
    "addr": "the URL's host and port",
    "network address": "the URL's host and port",
    "uid": "the URL's user",
    "user id": "the URL's user",
    "pwd": "the URL's password",
    "password": "the URL's password",
    "database": "the URL's path",
    "initial catalog": "the URL's path",
    "dsn": "settings, not DATABASE_URL",
    "filedsn": "settings, not DATABASE_URL",
    "savefile": "settings, not DATABASE_URL",
    "extra_params": "the individual ODBC keywords in the query",
    "python_driver": "driver= (absent: the bundled mssql-python driver)",
}
# mssql-django's own OPTIONS keys, kept as OPTIONS (not ODBC keywords).
ISOLATION_LEVELS = {"READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SNAPSHOT", "SERIALIZABLE"}
# A value in OPTIONS: a flag, a whole number or text.
OptionValue: TypeAlias = bool | int | str
# How an OPTIONS value is checked: a flag, a whole number, or one of some values.
DJANGO_OPTIONS: dict[str, type[bool] | type[int] | set[str]] = {
    "connection_timeout": int,
    "connection_retries": int,
    "connection_retry_backoff_time": int,
    "query_timeout": int,
    "datefirst": int,
    "isolation_level": ISOLATION_LEVELS,
    "return_rows_bulk_insert": bool,
    "host_is_server": bool,
}
# ODBC keyword syntax (SQLDriverConnect): none of []{}(),;?*=!@ and no surrounding blanks.
_KEYWORD_CHAR = r"[^\[\]{}(),;?*=!@\x00-\x1f]"
ODBC_KEYWORD = re.compile(rf"^(?!\s){_KEYWORD_CHAR}(?:{_KEYWORD_CHAR}*(?<!\s))?$")


def database_from_url(url: str | None, *, default_sqlite: Path) -> DBConfig:
    """Parse ``url`` (dj-database-url syntax, ``mssql://`` included); unset means SQLite."""
    if not url:
        default_sqlite.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{default_sqlite}"
    config = dj_database_url.parse(url, conn_max_age=60)
    engine = config["ENGINE"]
    if engine not in ENGINES:
        raise ValueError(f"DATABASE_URL names an unsupported engine: {engine}")
    config["ENGINE"] = ENGINES[engine]
    config["CONN_HEALTH_CHECKS"] = True
    if engine in MSSQL_ENGINES:
        config["OPTIONS"] = _sqlserver_options(urlsplit(url).query, config)
        return config
    options = config.setdefault("OPTIONS", {})
    if engine == "django.db.backends.postgresql":
        # Parameters bound by the server, and a statement run five times on a connection kept
        # prepared: the hot queries skip parsing and planning (psycopg's statement cache).
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)
    if engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;")
    return config


def odbc_value(value: str) -> str:
    """One value of an ODBC connection string (MS-ODBCSTR): braced when it holds ``;``, a brace,
    ``=`` or a blank, with ``}`` doubled inside the braces."""
    if any(ch in value for ch in ";{}= \t"):
        return "{" + value.replace("}", "}}") + "}"
    return value


def _sqlserver_options(query: str, config: DBConfig) -> dict[str, OptionValue]:
    """OPTIONS for mssql-django from the URL's query; ``config`` is checked on the way."""
    if not config.get("NAME"):
        fail("name the database in the path: mssql://USER:PASSWORD@HOST:1433/EventLeadPlatform")
    if not config.get("HOST"):
        fail("name the server: mssql://USER:PASSWORD@HOST:1433/EventLeadPlatform")
    for part, value in (("user", config.get("USER")), ("password", config.get("PASSWORD"))):
        if value and (value != value.strip() or "\x00" in value):
            # mssql-django writes UID/PWD unbraced unless they hold ';' or start with '{', and
            # ODBC drops a bare value's surrounding blanks: such a value would not arrive intact.
            fail(f"the {part} starts or ends with a blank or holds a NUL, which ODBC cannot carry")

    seen: dict[str, tuple[str, str]] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        lowered = " ".join(key.lower().split())
        if lowered in seen:
            fail(f"{key!r} is given twice")
        if not value.strip():
            fail(f"{key!r} has no value")
        if any(ord(ch) < 32 for ch in key + value):
            fail(f"{key!r} holds a control character")
        seen[lowered] = (key, value.strip())

    options: dict[str, OptionValue] = {}
    driver: str | None = None
    if "driver" in seen:
        driver = seen.pop("driver")[1]
    trusted: str | None = None
    for spelling in TRUSTED_KEYWORDS & seen.keys():
        if trusted is not None:
            fail("give Trusted_Connection or Integrated Security, not both")
        key, value = seen.pop(spelling)
        if value.lower() not in TRUSTED_VALUES:
            fail(f"{key}={value}: only yes (or SSPI) means anything; leave it out for a SQL login")
        trusted = key

    extra: list[tuple[str, str]] = []
    for lowered, (key, value) in seen.items():
        if lowered in DJANGO_OPTIONS:
            options[lowered] = _django_option(lowered, key, value)
        elif lowered in STRUCTURAL_KEYWORDS:
            fail(f"{key!r} cannot be set in the query: it comes from {STRUCTURAL_KEYWORDS[lowered]}")
        elif lowered in ODBC_KEYWORDS:
            canonical, check = ODBC_KEYWORDS[lowered]
            if any(name == canonical for name, _ in extra):
                fail(f"{canonical} is given twice (as {key!r} too)")
            extra.append((canonical, _odbc_option(key, value, check)))
        elif driver is None:
            fail(
                f"{key!r} is not an ODBC keyword the bundled mssql-python driver accepts "
                f"(it accepts {', '.join(sorted({name for name, _ in ODBC_KEYWORDS.values()}))}, "
                "and Trusted_Connection); other ODBC keywords need a system driver, driver=..."
            )
        elif not ODBC_KEYWORD.match(key):
            fail(f"{key!r} is not a valid ODBC keyword")
        else:
            extra.append((key, value))

    user, password = config.get("USER"), config.get("PASSWORD")
    authentication = dict(extra).get("Authentication")
    if trusted:
        if user or password:
            fail(f"{trusted}=yes logs in as the process's Windows/Kerberos identity: drop the user and password")
        if authentication:
            fail(f"{trusted} and Authentication cannot be combined")
    elif authentication and authentication.lower() in PASSWORDLESS:
        if password:
            fail(f"Authentication={authentication} takes no password: the driver acquires the credential")
        if user and authentication.lower() not in MSSQL_DJANGO_PASSWORDLESS:
            fail(f"Authentication={authentication} takes no user name")
    elif not user or not password:
        fail(
            "give a user and password (mssql://USER:PASSWORD@HOST/NAME), a passwordless "
            "Authentication=ActiveDirectory... mode, or Trusted_Connection=yes"
        )

    if driver is None:
        options["python_driver"] = MSSQL_PYTHON
        options["driver"] = DEFAULT_ODBC_DRIVER
        if "host_is_server" in options:
            fail("host_is_server only applies to a system ODBC driver (driver=...)")
    else:
        if any(ch in driver for ch in ";{}[]="):
            fail(f"driver={driver!r} is not an ODBC driver name")
        options["driver"] = driver
        if MICROSOFT_DRIVER.match(driver):
            if "host_is_server" in options:
                fail(f"host_is_server has no effect with {driver}: leave it out")
        elif config.get("PORT") and not options.get("host_is_server"):
            # mssql-django would write SERVERNAME=host (a freetds.conf entry) and drop the port.
            fail(f"driver={driver} is not Microsoft's: add host_is_server=true so the port is used")
    if extra:
        options["extra_params"] = ";".join(f"{key}={odbc_value(value)}" for key, value in extra)
    return options


def _django_option(name: str, key: str, value: str) -> OptionValue:
    check = DJANGO_OPTIONS[name]
    if isinstance(check, set):
        level = " ".join(value.replace("_", " ").upper().split())
        if level not in check:
            fail(f"{key}={value}: expected one of {', '.join(sorted(check))}")
        return level
    if check is bool:
        if value.lower() not in YES_NO:
            fail(f"{key}={value}: expected true or false")
        return YES_NO[value.lower()] == "yes"
    if not value.isdigit():  # check is int: a whole number
        fail(f"{key}={value}: expected a whole number")
    number = int(value)
    if name == "datefirst" and not 1 <= number <= 7:
        fail(f"{key}={value}: expected 1 (Monday) to 7 (Sunday)")
    return number


def _odbc_option(key: str, value: str, check: OdbcCheck) -> str:
    if isinstance(check, dict):
        if value.lower() not in check:
            fail(f"{key}={value}: expected one of {', '.join(dict.fromkeys(check.values()))}")
        return check[value.lower()]
    if check is int and not value.isdigit():
        fail(f"{key}={value}: expected a whole number")
    return value


def fail(reason: str) -> NoReturn:
    raise ValueError(f"DATABASE_URL for SQL Server: {reason}.")
