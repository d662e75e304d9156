"""URL path converters shared by the apps' urls.py."""

from django.urls.converters import IntConverter

# The largest AutoField id: our tables' ids are 32-bit ``integer`` on PostgreSQL and SQL Server.
MAX_ID = 2**31 - 1


class IdConverter(IntConverter):
    """A row id in a path, in the range of an AutoField.

    A larger number is no path of ours (a JSON 404) instead of a query that fails: Django's
    SQLite backend raises OverflowError for a foreign-key lookup such as ``company_id=10**30``,
    and PostgreSQL refused the request log row naming such a company (both found by tests/fuzz).
    """

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is beyond the largest id")  # Django then tries the next pattern.
        return number
