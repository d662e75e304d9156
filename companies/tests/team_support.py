"""Helpers for the teams tests (my invitations, bulk invitations, seats, leaving)."""

from companies.models import CompanyCustomerDetails
from reference.models import CustomerTier

API = "/api/v1/"
ENTERPRISE = "enterprise"  # The seeded tier without a seat limit (MaxUsers empty).


def plan(company_id: int, *, tier: str = ENTERPRISE, max_users: int | None = None) -> None:
    """Put the company on ``tier``, with its own ``MaxUsers`` when given (else the tier's)."""
    updated = CompanyCustomerDetails.objects.filter(company_id=company_id).update(
        customer_tier=CustomerTier.objects.get(code=tier), max_users=max_users
    )
    assert updated == 1


def conflict(response, message: str) -> dict:
    """The 409 body of spec/api.md with this message."""
    return {"error": {"code": "conflict", "message": message, "requestId": response["X-Request-ID"]}}


def not_found(response) -> dict:
    return {"error": {"code": "not_found", "message": "Not found.", "requestId": response["X-Request-ID"]}}
