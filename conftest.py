"""Fixtures shared by every app's tests."""

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (run through scripts/with-postgres)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
