"""Every back-office list and form runs the same number of queries with 1 row as with 100.

Each page is loaded once after adding 1 row and once after adding 100 (for a user's or a
company's page: 1 or 100 memberships and invitations), and must run exactly the number of
queries written beside it. A page that reads a related row per list row, or a select that
lists a large table, changes its count with the rows and fails here.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from abrcache.models import ABRSearch
from accounts.models import User, UserSession
from auditing.models import ActivityLog, AuditCompany, AuditRole, AuditUser
from companies.models import (
    Company,
    CompanyBillingDetails,
    CompanyCustomerDetails,
    CompanyOrganizerDetails,
    UserCompany,
    UserInvitation,
)
from configuration.models import AppSetting, ValidationRule
from eventlead.backoffice.testing import admin_client, system_admin  # noqa: F401 (fixtures)
from logging_app.models import ApiRequest, ApplicationError, AuthEvent, EmailDelivery
from reference import models as ref
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db


def _bulk_create(model, objs):
    """Insert ``objs`` in one statement and return them with their keys.

    Read back, since SQL Server returns no keys from a multi-row INSERT (and the shadow pass
    runs this suite with SQL Server's answer).
    """
    model.objects.bulk_create(objs)
    return list(model.objects.order_by("-pk")[: len(objs)])[::-1]


def _au():
    return ref.Country.objects.get(country_code="AU")


def reference_rows(model, extra=lambda i: {}):
    def make(n, admin):
        return _bulk_create(model, [model(code=f"zz-{i}", display_name=f"Zz {i}", **extra(i)) for i in range(n)])[0]

    return make


def _users(n, prefix="user"):
    active = reference_id(ref.UserStatus, ref.UserStatus.ACTIVE)
    member = reference_id(ref.UserRole, ref.UserRole.COMPANY_USER)
    return _bulk_create(
        User,
        [
            User(
                email=f"{prefix}{i}@example.com",
                first_name="Ann",
                last_name=f"Lee {i}",
                password="!",
                status_id=active,
                user_role_id=member,
            )
            for i in range(n)
        ],
    )


def _companies(n):
    au = _au()
    return _bulk_create(Company, [Company(company_name=f"Company {i}", country=au) for i in range(n)])


def _membership(user, company):
    return UserCompany(
        user=user,
        company=company,
        role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
        status_id=reference_id(ref.UserCompanyStatus, ref.UserCompanyStatus.ACTIVE),
        joined_via_id=reference_id(ref.JoinedVia, ref.JoinedVia.SIGNUP),
    )


def settings_rows(n, admin):
    category, kind = ref.SettingCategory.objects.first(), ref.SettingType.objects.get(code="integer")
    return _bulk_create(
        AppSetting,
        [
            AppSetting(
                setting_key=f"test.setting_{i}",
                setting_value="1",
                default_value="1",
                category=category,
                setting_type=kind,
                min_value=0,
                max_value=10,
            )
            for i in range(n)
        ],
    )[0]


def rule_rows(n, admin):
    au, phone = _au(), ref.RuleType.objects.get(code="phone")
    return _bulk_create(
        ValidationRule,
        [
            ValidationRule(
                country=au,
                rule_type=phone,
                rule_name=f"rule {i}",
                validation_pattern=r"\d+",
                error_message="Digits only.",
                example_value="1",
            )
            for i in range(n)
        ],
    )[0]


def user_with_memberships(n, admin):
    user = _users(1, prefix="member")[0]
    _bulk_create(UserCompany, [_membership(user, company) for company in _companies(n)])
    return user


def company_with_members(n, admin):
    company = _companies(1)[0]
    CompanyCustomerDetails.objects.create(company=company, customer_tier=ref.CustomerTier.objects.first())
    CompanyBillingDetails.objects.create(company=company, billing_country=_au())
    CompanyOrganizerDetails.objects.create(company=company)
    members = _users(n)
    _bulk_create(UserCompany, [_membership(user, company) for user in members])
    _bulk_create(
        UserInvitation,
        [
            UserInvitation(
                company=company,
                invited_email=f"invitee{i}@example.com",
                token_hash=f"{i:064d}",
                role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
                status_id=reference_id(ref.UserInvitationStatus, ref.UserInvitationStatus.PENDING),
                invited_by=admin,
                expires_at=timezone.now() + timedelta(days=7),
            )
            for i in range(n)
        ],
    )
    return company


def invitations_rows(n, admin):
    company = company_with_members(n, admin)
    return UserInvitation.objects.filter(company=company).order_by("pk").first()


def companies_with_details(n, admin):
    companies = _companies(n)
    tier = ref.CustomerTier.objects.first()
    _bulk_create(
        CompanyCustomerDetails, [CompanyCustomerDetails(company=company, customer_tier=tier) for company in companies]
    )
    return companies[0]


def users_rows(n, admin):
    return _users(n)[0]


def log_rows(model, fields):
    def make(n, admin):
        return _bulk_create(model, [model(**fields(i, admin)) for i in range(n)])[0]

    return make


def abr_rows(n, admin):
    now = timezone.now()
    return _bulk_create(
        ABRSearch,
        [
            ABRSearch(
                search_type="name",
                search_value=f"name {i}",
                response_json={"Names": []},
                cached_at=now,
                expires_at=now + timedelta(days=1),
            )
            for i in range(n)
        ],
    )[0]


@dataclass(frozen=True)
class Page:
    """An admin page, the rows it shows, and the queries its list and change form may run."""

    name: str
    make: object  # (n, admin) -> the row whose change form is loaded
    list_url: str
    list_queries: int | None  # None: not measured here (another entry lists these rows)
    change_queries: int | None = None  # None: the page has no change form
    # PostgreSQL asks the planner for the table's size first (EstimatedCountPaginator).
    estimated_count: bool = False

    def change_url(self, row) -> str:
        return f"{self.list_url}{row.pk}/change/"

    def expected(self, queries: int) -> int:
        return queries + (1 if self.estimated_count and connection.vendor == "postgresql" else 0)


def _ref(model, list_queries=5, change_queries=4, extra=lambda i: {}):
    label = model._meta.model_name
    return Page(label, reference_rows(model, extra), f"/admin/reference/{label}/", list_queries, change_queries)


def _log(model, fields, url, list_queries=6, change_queries=5):
    return Page(
        model._meta.model_name, log_rows(model, fields), url, list_queries, change_queries, estimated_count=True
    )


# Queries every page runs: the session and the signed-in user (2). A list adds its count and
# rows, one query per related-table filter, and for logs the date hierarchy's range and dates.
PAGES = [
    # Country has one more filter (validation provider).
    _ref(ref.Country, list_queries=6, extra=lambda i: {"country_code": f"{i:02d}", "country_name": f"Zz {i}"}),
    _ref(ref.Language, extra=lambda i: {"language_code": f"{i:02d}", "language_name": f"Zz {i}"}),
    _ref(ref.Industry, extra=lambda i: {"industry_code": f"Z{i}", "industry_name": f"Zz {i}"}),
    _ref(ref.UserStatus),
    _ref(ref.UserInvitationStatus),
    _ref(ref.UserRole),
    _ref(ref.UserCompanyRole),
    _ref(ref.UserCompanyStatus),
    _ref(ref.SettingCategory),
    _ref(ref.SettingType),
    _ref(ref.RuleType),
    _ref(ref.CustomerTier),
    _ref(ref.JoinedVia),
    Page("appsetting", settings_rows, "/admin/configuration/appsetting/", 7, 7),
    Page("validationrule", rule_rows, "/admin/configuration/validationrule/", 7, 7),
    Page("user", users_rows, "/admin/accounts/user/", 7),
    # The change form adds its memberships and its sessions panel (one query each); MFA is off
    # (with MFA on, the count of recovery codes left is one more: test_admin_mfa.py).
    Page("user-memberships", user_with_memberships, "/admin/accounts/user/", None, 15),
    Page("company", companies_with_details, "/admin/companies/company/", 7),
    Page("company-members-invitations", company_with_members, "/admin/companies/company/", None, 15),
    Page("userinvitation", invitations_rows, "/admin/companies/userinvitation/", 9, 8),
    _log(
        ApiRequest,
        lambda i, admin: {
            "request_id": uuid.uuid4(),
            "method": "GET",
            "path": f"/api/v1/x/{i}",
            "status_code": 200,
            "duration_ms": 3,
            "user": admin,
        },
        "/admin/logging_app/apirequest/",
    ),
    _log(
        AuthEvent,
        lambda i, admin: {"event_type": "login_failed", "email": f"u{i}@example.com", "user": admin},
        "/admin/logging_app/authevent/",
    ),
    _log(
        ApplicationError,
        lambda i, admin: {"error_type": "ValueError", "message": "boom", "path": "/api/v1/x", "user": admin},
        "/admin/logging_app/applicationerror/",
    ),
    _log(
        EmailDelivery,
        lambda i, admin: {
            "recipient_email": f"u{i}@example.com",
            "email_type": "invitation",
            "subject": "Hi",
            "user": admin,
        },
        "/admin/logging_app/emaildelivery/",
    ),
    _log(
        ActivityLog,
        lambda i, admin: {"action": "setting_changed", "entity_type": "AppSetting", "entity_id": str(i), "user": admin},
        "/admin/auditing/activitylog/",
    ),
    _log(
        AuditUser,
        lambda i, admin: {"user": admin, "operation": "update", "changed_fields": ["FirstName"], "changed_by": admin},
        "/admin/auditing/audituser/",
        change_queries=6,
    ),
    _log(
        AuditCompany,
        lambda i, admin: {"operation": "update", "changed_fields": ["Phone"], "changed_by": admin},
        "/admin/auditing/auditcompany/",
    ),
    _log(
        AuditRole,
        lambda i, admin: {
            "user": admin,
            "role_scope": "system",
            "old_role_id": 1,
            "new_role_id": 2,
            "changed_by": admin,
        },
        "/admin/auditing/auditrole/",
        change_queries=6,
    ),
    Page(
        "totpdevice",
        log_rows(TOTPDevice, lambda i, admin: {"user": admin, "name": f"phone {i}"}),
        "/admin/otp_totp/totpdevice/",
        5,
        5,
    ),
    Page("abrsearch", abr_rows, "/admin/abrcache/abrsearch/", 4, estimated_count=True),
    Page(
        "usersession",
        log_rows(
            UserSession,
            lambda i, admin: {
                "session_key": f"key-{i}",
                "user": admin,
                "device_label": "Firefox on Windows",
                "authenticated_at": timezone.now(),
                "last_seen_at": timezone.now(),
                "expires_at": timezone.now() + timedelta(days=7),
            },
        ),
        "/admin/accounts/usersession/",
        4,
        4,
        estimated_count=True,
    ),
]


@pytest.fixture(autouse=True)
def _cold_content_type_cache():
    # The admin reads ContentType rows through a per-process cache; start each page cold.
    ContentType.objects.clear_cache()


@pytest.mark.parametrize("rows", [1, 100])
@pytest.mark.parametrize("page", [p for p in PAGES if p.list_queries is not None], ids=lambda page: page.name)
def test_the_list_runs_a_fixed_number_of_queries(admin_client, system_admin, django_assert_num_queries, page, rows):  # noqa: F811
    page.make(rows, system_admin)

    with django_assert_num_queries(page.expected(page.list_queries)):
        response = admin_client.get(page.list_url)

    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 100])
@pytest.mark.parametrize("page", [p for p in PAGES if p.change_queries is not None], ids=lambda page: page.name)
def test_the_form_runs_a_fixed_number_of_queries(admin_client, system_admin, django_assert_num_queries, page, rows):  # noqa: F811
    row = page.make(rows, system_admin)

    with django_assert_num_queries(page.change_queries):
        response = admin_client.get(page.change_url(row))

    assert response.status_code == 200
