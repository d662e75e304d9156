"""Every operation of the API, read from the OpenAPI schema, for tests that must cover them all.

A new endpoint is in the schema, so it is in these tests without anyone listing it. Paths are
filled from a company admin's own data (``company_admin`` in conftest.py): a path parameter
not known here fails the test with its name, so that it is given a real value.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # the schema's template: /api/v1/companies/{company_id}
    has_body: bool
    public: bool  # callable without a token

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, values: dict[str, Any]) -> str:
        names = [part[1:-1] for part in self.path.split("/") if part.startswith("{")]
        missing = [name for name in names if name not in values]
        assert not missing, f"{self}: give the test a real value for the path parameter(s) {missing}"
        return self.path.format(**values)


def api_operations() -> list[Operation]:
    """Return every operation the schema documents, sorted by path and method."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (
            Operation(
                method=method.upper(),
                path=path,
                has_body="requestBody" in operation,
                public={} in operation.get("security", [{}]),
            )
            for path, operations in schema["paths"].items()
            for method, operation in operations.items()
        ),
        key=lambda operation: (operation.path, operation.method),
    )
