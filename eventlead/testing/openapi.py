"""Check a Django test-client response against the OpenAPI document, with the fuzz test's response checks.

The regression tests of what schemathesis found (tests/fuzz) use this, so each one proves
the same thing the fuzzer asked for: the status is documented for the operation, the
content type is the documented one and the body fits the documented schema.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# The fuzz test's checks that judge one response alone; the others judge how an input was generated
# (negative/positive data), send requests of their own (ignored_auth) or need a scenario (stateful).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def assert_documented(response) -> None:
    """Fail, with schemathesis's explanation, unless the schema documents ``response`` as it is."""
    __tracebackhide__ = True
    request = response.wsgi_request
    # The URL pattern names the operation: "api/v1/companies/<id:company_id>" -> "/api/v1/companies/{company_id}".
    path = "/" + _CONVERTER.sub(r"{\1}", request.resolver_match.route)
    case = _schema()[path][request.method].Case(path_parameters=dict(request.resolver_match.kwargs))
    case.validate_response(_as_schemathesis_response(response), checks=CHECKS)


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """Build the document /api/schema/ serves, once per test run."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document))


@lru_cache(maxsize=1)
def _schema():
    return schemathesis.openapi.from_dict(openapi_document())


def _as_schemathesis_response(response) -> schemathesis.Response:
    request = response.wsgi_request
    return schemathesis.Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(request.method, request.build_absolute_uri()).prepare(),
        elapsed=0.0,
        verify=False,
    )
