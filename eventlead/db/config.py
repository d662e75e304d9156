"""Turn ``DATABASE_URL`` into Django's ``DATABASES`` entry, on the schema-aware backends."""

from pathlib import Path

import dj_database_url

ENGINES = {
    "django.db.backends.sqlite3": "eventlead.db.backends.sqlite3",
    "django.db.backends.postgresql": "eventlead.db.backends.postgresql",
    "mssql": "eventlead.db.backends.mssql",
}


def database_from_url(url: str | None, *, default_sqlite: Path) -> dict:
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
    options = config.setdefault("OPTIONS", {})
    if engine == "mssql":
        # mssql-python bundles Microsoft's ODBC Driver 18: no system driver to install.
        options.setdefault("python_driver", "mssql_python")
        options.setdefault("driver", "ODBC Driver 18 for SQL Server")
    elif engine == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=5000;")
    return config
