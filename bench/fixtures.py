"""The rows the read benchmarks show: one signed-in admin of a company with 50 members and 50 invitations."""

from __future__ import annotations

MEMBERS = 50
INVITATIONS = 50
OWNER_EMAIL = "owner@example.com"
COMPANY_NAME = "Bench Events"


def populate(password: str | None = None) -> str:
    """Create the owner, the company, its members and invitations; return the owner's access token."""
    from django.utils import timezone

    from accounts.jwt import issue_token_pair
    from accounts.models import User
    from companies.invitations import invitation_create
    from companies.models import CompanyCustomerDetails, UserCompany
    from companies.services import company_create
    from reference.models import CustomerTier, JoinedVia, UserCompanyRole, UserCompanyStatus
    from reference.selectors import reference_id

    now = timezone.now()
    owner = User.objects.create_user(
        OWNER_EMAIL, password, first_name="Olive", last_name="Owner", email_verified_at=now
    )
    company = company_create(creator=owner, company_name=COMPANY_NAME, country_code="AU")
    # The enterprise tier: no seat limit (MaxUsers) for its members and invitations (the free tier has 2).
    CompanyCustomerDetails.objects.filter(company=company).update(
        customer_tier=CustomerTier.objects.get(code="enterprise")
    )
    # The others are members without a usable password: no Argon2 hash to compute for each.
    for n in range(1, MEMBERS):
        member = User.objects.create_user(
            f"member-{n:03d}@example.com", None, first_name="Member", last_name=f"{n:03d}", email_verified_at=now
        )
        UserCompany.objects.create(
            user=member,
            company=company,
            role_id=reference_id(UserCompanyRole, UserCompanyRole.COMPANY_USER),
            status_id=reference_id(UserCompanyStatus, UserCompanyStatus.ACTIVE),
            joined_via_id=reference_id(JoinedVia, JoinedVia.INVITATION),
            created_by=owner,
            updated_by=owner,
        )
    for n in range(INVITATIONS):
        invitation_create(company=company, actor=owner, email=f"guest-{n:03d}@example.com", role="company_user")
    return issue_token_pair(owner)["access"]


def company_id() -> int:
    """The populated company's id, for the paths that name it."""
    from companies.models import Company

    return Company.objects.values_list("pk", flat=True).get(company_name=COMPANY_NAME)


def owner_access_token() -> str:
    """A fresh access token of the owner: a long run outlives the one populate() returned."""
    from accounts.jwt import issue_token_pair
    from accounts.models import User

    return issue_token_pair(User.objects.get(email=OWNER_EMAIL))["access"]
