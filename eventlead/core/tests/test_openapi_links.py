"""The document's OpenAPI links (eventlead/core/openapi.py) name real operations, parameters and fields.

A link is only as good as its runtime expressions: a renamed field or operation would leave a
link that no client and no stateful test can follow, and nothing else would notice.
"""

import re

import pytest
import schemathesis

from eventlead.core.openapi import LINKS
from eventlead.testing.openapi import openapi_document

# Operations taking a path parameter that no answer carries, so no link can lead to them.
UNLINKED = {
    # The invitation's token travels only in the invitation email; no answer carries it.
    "v1_invitations_retrieve",
    "v1_invitations_accept_create",
    "v1_invitations_decline_create",
    # {name} is a reference list's name, an enum of the document itself, not an id.
    "v1_reference_list",
}
EXPRESSION = re.compile(r"^\$(?P<source>request|response)\.(?:body#(?P<pointer>/.*)|path\.(?P<parameter>\w+))$")


def _operations() -> dict[str, dict]:
    return {
        operation["operationId"]: operation
        for methods in openapi_document()["paths"].values()
        for operation in methods.values()
    }


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi_document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _has_pointer(schema: dict, tokens: list[str]) -> bool:
    """Whether a JSON pointer's tokens can name a value of ``schema`` (in any branch of allOf, oneOf, anyOf)."""
    schema = _resolve(schema)
    if not tokens:
        return True
    branches = [*schema.get("allOf", []), *schema.get("oneOf", []), *schema.get("anyOf", [])]
    if any(_has_pointer(branch, tokens) for branch in branches):
        return True
    head, rest = tokens[0], tokens[1:]
    if head.isdigit() and "items" in schema:
        return _has_pointer(schema["items"], rest)
    return head in schema.get("properties", {}) and _has_pointer(schema["properties"][head], rest)


def _body_schema(operation: dict) -> dict:
    return operation["requestBody"]["content"]["application/json"]["schema"]


def _expression_problems(expression: str, source: dict, status_code: str) -> list[str]:
    match = EXPRESSION.match(expression)
    if match is None:
        return [f"{expression} is not a runtime expression this document uses"]
    tokens = (match["pointer"] or "/")[1:].split("/") if match["pointer"] else []
    if match["source"] == "response":
        schema = source["responses"][status_code]["content"]["application/json"]["schema"]
        return [] if _has_pointer(schema, tokens) else [f"{expression}: no such field in the {status_code} answer"]
    if match["parameter"] is not None:
        path = {p["name"] for p in source.get("parameters", []) if p["in"] == "path"}
        return [] if match["parameter"] in path else [f"{expression}: no such path parameter"]
    if "requestBody" not in source or not _has_pointer(_body_schema(source), tokens):
        return [f"{expression}: no such field in the request body"]
    return []


def _link_problems(source_id: str, status_code: str, name: str, link: dict) -> list[str]:
    operations = _operations()
    source, target = operations[source_id], operations.get(link["operationId"])
    if target is None:
        return [f"no operation {link['operationId']}"]
    problems = []
    parameters = {p["name"] for p in target.get("parameters", [])}
    for parameter, expression in link.get("parameters", {}).items():
        if parameter not in parameters:
            problems.append(f"{link['operationId']} has no parameter {parameter}")
        problems += _expression_problems(expression, source, status_code)
    required = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
    if missing := required - set(link.get("parameters", {})):
        problems.append(f"the link leaves path parameters {sorted(missing)} to chance")
    for field, expression in link.get("requestBody", {}).items():
        if "requestBody" not in target or not _has_pointer(_body_schema(target), [field]):
            problems.append(f"{link['operationId']}'s body has no field {field}")
        problems += _expression_problems(expression, source, status_code)
    return [f"{source_id} {status_code} {name}: {problem}" for problem in problems]


def test_every_link_is_on_its_source_response_in_the_document():
    operations = _operations()

    placed = {
        (operation_id, status_code): response["links"]
        for operation_id, operation in operations.items()
        for status_code, response in operation["responses"].items()
        if "links" in response
    }

    assert placed == LINKS


@pytest.mark.parametrize("source_id, status_code", list(LINKS))
def test_each_link_names_a_real_operation_its_parameters_and_fields_in_the_answer(source_id, status_code):
    problems = [
        problem
        for name, link in LINKS[(source_id, status_code)].items()
        for problem in _link_problems(source_id, status_code, name, link)
    ]

    assert problems == []


def test_every_operation_taking_an_id_is_the_target_of_a_link_unless_no_answer_carries_it():
    targets = {link["operationId"] for links in LINKS.values() for link in links.values()}
    taking_ids = {
        operation_id
        for operation_id, operation in _operations().items()
        if any(p["in"] == "path" for p in operation.get("parameters", []))
    }

    assert taking_ids - targets == UNLINKED


def test_schemathesis_reads_every_link_as_a_transition_of_its_state_machine():
    """Schemathesis validates links as it builds the machine: an unknown operation or parameter fails here."""
    schema = schemathesis.openapi.from_dict(
        openapi_document(),
        config=schemathesis.Config.from_dict({"phases": {"stateful": {"inference": {"algorithms": []}}}}),
    )

    transitions = schema.as_state_machine()._transitions.operations

    followed = {
        (link.source.label, link.status_code, link.name, link.target.label)
        for transition in transitions.values()
        for link in transition.outgoing
    }
    labels = {
        operation["operationId"]: f"{method.upper()} {path}"
        for path, methods in openapi_document()["paths"].items()
        for method, operation in methods.items()
    }
    assert followed == {
        (labels[source], status, name, labels[link["operationId"]])
        for (source, status), links in LINKS.items()
        for name, link in links.items()
    }


def test_operation_ids_and_so_links_do_not_depend_on_the_docs_being_served():
    """Production mounts no /api/schema/ (SERVE_API_DOCS): its document keeps every operationId, so every link."""
    from django.urls import include, path
    from drf_spectacular.generators import SchemaGenerator

    from eventlead.urls import api_v1

    production = SchemaGenerator(patterns=[path("api/v1/", include(api_v1))]).get_schema(request=None, public=True)

    operations = [operation for methods in production["paths"].values() for operation in methods.values()]
    linked = {
        (operation["operationId"], status_code)
        for operation in operations
        for status_code, response in operation["responses"].items()
        if "links" in response
    }
    assert {operation["operationId"] for operation in operations} == set(_operations())
    assert linked == set(LINKS)
