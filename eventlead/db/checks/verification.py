"""The design document's Phase 4 on any engine: compare the live database with the catalogue.

Six checks, each returning report lines: tables per schema, columns, constraint and index
names present (the structure), foreign keys enforced, unique constraints enforced, seed row
counts. Nothing is written: the whole run is one transaction that is rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

from ..catalogue import CATALOGUE, Catalogue
from ..naming import SCHEMAS, split_table
from . import declared as declared_module
from .declared import CHECK, FOREIGN_KEY, INDEX, PRIMARY_KEY, UNIQUE, Declared
from .live import SYNTHETIC_NAME, column_names, constraints, live_tables, names_inline_constraints
from .probes import probe_foreign_keys, probe_unique, rolled_back
from .report import INFO, Result, listing, result
from .rows import RowFactory

TABLES, COLUMNS, NAMES, SEEDS = "tables", "columns", "names present", "seed rows"


def verify_database(using: str, catalogue: Catalogue = CATALOGUE) -> list[Result]:
    """Run every check against database ``using``; nothing it inserts is kept."""
    connection = connections[using]
    models = catalogue_models(catalogue)
    with rolled_back(using):
        return [
            *verify_structure(connection, catalogue),
            *check_foreign_keys(using, models),
            *check_uniques(using, models),
            *check_seeds(using, catalogue),
        ]


def verify_structure(connection: BaseDatabaseWrapper, catalogue: Catalogue = CATALOGUE) -> list[Result]:
    """The checks that read only what the database's catalog says: tables, columns, names.

    They are what a database without a server can answer (the offline SQL Server database of
    ``eventlead.db.sqlserver.script_database``); the probes insert rows and the seed counts
    count them.
    """
    return [
        *check_tables(connection, catalogue),
        *check_columns(connection, catalogue),
        *check_names(connection, catalogue_models(catalogue)),
    ]


def catalogue_models(catalogue: Catalogue) -> list[type[Model]]:
    """The models whose tables the catalogue lists, in catalogue order."""
    by_table = {model._meta.db_table: model for model in apps.get_models()}
    return [by_table[table.db_table] for table in catalogue.tables if table.db_table in by_table]


def check_tables(connection: BaseDatabaseWrapper, catalogue: Catalogue) -> list[Result]:
    """Tables per schema against the catalogue; framework tables are listed, not judged."""
    live = live_tables(connection)
    expected = {table.db_table for table in catalogue.tables}
    results = []
    for schema, count in catalogue.counts_by_schema().items():
        present = {name for name in live.ours if split_table(name)[0] == schema}
        wanted = {name for name in expected if split_table(name)[0] == schema}
        problems = []
        if wanted - present:
            problems.append(f"missing {listing(wanted - present)}")
        if present - wanted:
            problems.append(f"unexpected {listing(present - wanted)}")
        detail = f"{len(present)} of {count}" + (": " + "; ".join(problems) if problems else "")
        results.append(result(TABLES, schema, not problems, detail))
    detail = f"{len(live.ours)} of {len(expected)} in {len(SCHEMAS)} schemas"
    results.append(result(TABLES, "all schemas", live.ours == expected, detail))
    if live.other:
        results.append(result(TABLES, "outside the schemas", False, f"unexpected {listing(live.other)}"))
    detail = f"{len(live.framework)} of Django and installed packages, not judged: {listing(live.framework, 5)}"
    results.append(Result(TABLES, "framework", INFO, detail))
    return results


def check_columns(connection: BaseDatabaseWrapper, catalogue: Catalogue) -> list[Result]:
    """Every catalogue column exists; extra columns are reported, not failed."""
    present_tables = live_tables(connection).ours
    results = []
    for table in catalogue.tables:
        if table.db_table not in present_tables:
            results.append(result(COLUMNS, table.db_table, False, "table missing"))
            continue
        live = column_names(connection, table.db_table)
        missing = [column for column in table.columns if column not in live]
        extra = [column for column in live if column not in table.columns]
        detail = f"{len(table.columns) - len(missing)} of {len(table.columns)}"
        if missing:
            detail += f"; missing {listing(missing)}"
        if extra:
            detail += f"; also {listing(extra)}"
        results.append(result(COLUMNS, table.db_table, not missing, detail))
    return results


def check_foreign_keys(using: str, models: Iterable[type[Model]]) -> list[Result]:
    factory = RowFactory(using)
    return [line for model in models for line in probe_foreign_keys(factory, model)]


def check_uniques(using: str, models: Iterable[type[Model]]) -> list[Result]:
    factory = RowFactory(using)
    return [probe_unique(factory, model, rule) for model in models for rule in declared_module.unique_rules(model)]


def check_names(connection: BaseDatabaseWrapper, models: Iterable[type[Model]]) -> list[Result]:
    """Every declared constraint and index is in the database under its name, on its columns.

    SQLite reports no names for column-level constraints; those are matched by their columns
    and referenced table instead, and the line says so.
    """
    unnamed_inline = not names_inline_constraints(connection)
    results = []
    for model in models:
        table = model._meta.db_table
        try:
            with rolled_back(connection.alias):
                live = constraints(connection, table)
        except DatabaseError as error:
            results.append(result(NAMES, table, False, f"cannot introspect: {error}"))
            continue
        declared = declared_module.declared_constraints(model)
        problems, by_columns = [], 0
        for item in declared:
            found = _find(item, live, match_columns=unnamed_inline and item.inline)
            if found is None:
                problems.append(f"{item.name} ({item.kind}) missing")
            elif found != item.name:
                by_columns += 1
        known = {item.name for item in declared}
        # A DEFAULT constraint is how SQL Server keeps a column's default, not a declared
        # constraint; audit_schema judges its name.
        extra = [
            name
            for name, details in live.items()
            if name not in known and not SYNTHETIC_NAME.match(name) and not details.get("default")
        ]
        detail = f"{len(declared) - len(problems)} of {len(declared)}"
        if by_columns:
            detail += f", {by_columns} matched by columns"
        if problems:
            detail += "; " + "; ".join(problems)
        if extra:
            detail += f"; also {listing(extra)}"
        results.append(result(NAMES, table, not problems, detail))
    return results


def _find(item: Declared, live: dict[str, dict[str, Any]], *, match_columns: bool) -> str | None:
    """The live name that matches ``item``: its own name, or with ``match_columns`` any
    unnamed constraint of the same kind on the same columns."""
    if item.name in live and _same(item, live[item.name]):
        return item.name
    if match_columns:
        for name, details in live.items():
            if SYNTHETIC_NAME.match(name) and _same(item, details):
                return name
    return None


def _same(item: Declared, details: dict[str, Any]) -> bool:
    kind_holds = {
        PRIMARY_KEY: details.get("primary_key"),
        FOREIGN_KEY: details.get("foreign_key"),
        UNIQUE: details.get("unique") and not details.get("primary_key"),
        INDEX: details.get("index") and not details.get("unique"),
        CHECK: details.get("check"),
    }.get(item.kind, True)
    if not kind_holds:
        return False
    if item.kind == CHECK or not item.columns:
        return True  # engines disagree on the columns of a check; the name suffices
    if tuple(details.get("columns") or ()) != item.columns:
        return False
    if item.references:
        # PostgreSQL reports the referenced table without its schema.
        table, column = details["foreign_key"]
        return split_table(table)[1] == split_table(item.references[0])[1] and column == item.references[1]
    return True


def check_seeds(using: str, catalogue: Catalogue) -> list[Result]:
    """Row counts of the seeded tables."""
    by_table = {model._meta.db_table: model for model in apps.get_models()}
    results = []
    for seed in catalogue.seeds:
        model = by_table.get(seed.db_table)
        if model is None:
            results.append(result(SEEDS, seed.db_table, False, "no model for this table"))
            continue
        try:
            with rolled_back(using):
                count = model._base_manager.using(using).count()
        except DatabaseError as error:
            results.append(result(SEEDS, seed.db_table, False, f"cannot count: {error}"))
            continue
        results.append(result(SEEDS, seed.db_table, seed.accepts(count), f"{count} rows, expected {seed.target}"))
    return results
