"""A company's page tells its story: members, invitations with their status, the activity trail
(each snapshot's changes field by field), ABR details with the cache entry of its ABN, and its tier.

The page reads each panel's rows with a fixed number of queries: the same with 1 row in every
panel as with 100.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import dateformat, formats, timezone

from abrcache.models import ABRSearch
from auditing.models import ActivityLog, AuditCompany
from companies.admin import INVITATION_EXPIRED, NO_ABR_CACHE_ENTRY, TRAIL_PANEL_ROWS
from companies.models import Company, CompanyCustomerDetails, UserCompany, UserInvitation
from eventlead.backoffice.testing import admin_client, system_admin  # noqa: F401 (fixtures)
from eventlead.testing.fake_abr import HARBOURSIDE
from reference import models as ref
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

COMPANIES_URL = "/admin/companies/company/"
# The company's page: the browser's session and the signed-in admin (2), the company with its
# tier (1), its members and invitations (2), its three detail records (3), its snapshots and
# its actions (2), the ABR cache entry of its ABN (1), the company's content type (1), the
# country its form shows (1), the tier choices of its customer details and of their blank
# form (2): 15.
PAGE_QUERIES = 15
NOW = timezone.now().replace(microsecond=0)


def change_url(company) -> str:
    return f"{COMPANIES_URL}{company.pk}/change/"


def ago(minutes: int):
    return NOW - timedelta(minutes=minutes)


def shown(value, format_="Y-m-d H:i:s") -> str:
    return dateformat.format(timezone.localtime(value), format_)


def text(cell: str) -> str:
    """A cell as read: a block (a change, a description) starts a new word, inline markup does not."""
    spaced = re.sub(r"<(?:div|li|p|br)\b[^>]*>", " ", cell)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", spaced)).split())


def rows_of(body: str, css_class: str) -> list[list[str]]:
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(rf'<tr class="{css_class}">(.*?)</tr>\s*(?=<tr|</tbody>)', body, re.S)
    ]


def field(body: str, name: str) -> str:
    """The text of a read-only field of the form (``<div class="readonly">`` after its label)."""
    match = re.search(rf'class="form-row[^"]*field-{name}".*?<div class="readonly">(.*?)</div>', body, re.S)
    assert match, f"no read-only field {name}"
    return text(match.group(1))


@pytest.fixture
def acme(system_admin):  # noqa: F811
    company = Company.objects.create(
        company_name="Acme Events",
        country=ref.Country.objects.get(country_code="AU"),
        abn=HARBOURSIDE["Abn"],
        legal_entity_name="HARBOURSIDE EVENTS TRUST",
        abr_last_verified_at=ago(90),
    )
    CompanyCustomerDetails.objects.create(company=company, customer_tier=ref.CustomerTier.objects.get(code="free"))
    return company


def member_rows(company, n, make_user):
    users = [make_user(f"member{i}@example.com") for i in range(n)]
    UserCompany.objects.bulk_create(
        [
            UserCompany(
                user=user,
                company=company,
                role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
                status_id=reference_id(ref.UserCompanyStatus, ref.UserCompanyStatus.ACTIVE),
                joined_via_id=reference_id(ref.JoinedVia, ref.JoinedVia.INVITATION),
            )
            for user in users
        ]
    )


def invitation(company, email, invited_by, *, status=ref.UserInvitationStatus.PENDING, at=None, **fields):
    at = at or NOW
    return UserInvitation(
        company=company,
        invited_email=email,
        token_hash=f"{abs(hash((company.pk, email, at))):064d}"[-64:],
        role_id=reference_id(ref.UserCompanyRole, ref.UserCompanyRole.COMPANY_USER),
        status_id=reference_id(ref.UserInvitationStatus, status),
        invited_by=invited_by,
        invited_at=at,
        expires_at=at + timedelta(days=7),
        **fields,
    )


def fill_every_panel(company, admin, n, make_user) -> None:
    member_rows(company, n, make_user)
    UserInvitation.objects.bulk_create(
        [invitation(company, f"invitee{i}@example.com", admin, accepted_user=admin) for i in range(n)]
    )
    AuditCompany.objects.bulk_create(
        [
            AuditCompany(
                company_id=company.pk,
                operation="update",
                old_values={"Phone": str(i)},
                new_values={"Phone": str(i + 1)},
                changed_by=admin,
            )
            for i in range(n)
        ]
    )
    ActivityLog.objects.bulk_create(
        [
            ActivityLog(
                action="invitation_sent", entity_type="UserInvitation", entity_id=str(i), company=company, user=admin
            )
            for i in range(n)
        ]
    )
    ABRSearch.objects.create(
        search_type="abn",
        search_value=company.abn,
        response_json={},
        result_count=1,
        cached_at=ago(60),
        expires_at=ago(60) + timedelta(days=30),
    )


@pytest.mark.parametrize("rows", [1, 100])
def test_the_page_runs_the_same_queries_with_1_or_100_rows_in_every_panel(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    acme,
    make_user,
    django_assert_num_queries,
    rows,
):
    fill_every_panel(acme, system_admin, rows, make_user)
    ContentType.objects.clear_cache()

    with django_assert_num_queries(PAGE_QUERIES):
        response = admin_client.get(change_url(acme))

    assert response.status_code == 200
    formsets = {inline.formset.prefix: inline.formset for inline in response.context["inline_admin_formsets"]}
    assert len(formsets["memberships"].forms) == rows
    assert len(formsets["invitations"].forms) == rows
    assert len(response.context["trail_panel"].rows) == min(2 * rows, TRAIL_PANEL_ROWS)


# Activity trail -----------------------------------------------------------------------------


def test_the_trail_shows_the_companys_actions_and_snapshots_newest_first(
    admin_client,  # noqa: F811
    system_admin,  # noqa: F811
    acme,
):
    other = Company.objects.create(company_name="Kiwi Expos", country=acme.country)
    AuditCompany.objects.create(
        company_id=acme.pk,
        operation="insert",
        new_values={"CompanyName": "Acme Events", "Phone": ""},
        changed_by=system_admin,
        changed_date=ago(30),
    )
    ActivityLog.objects.create(
        action="invitation_sent",
        entity_type="UserInvitation",
        entity_id="12",
        company=acme,
        user=system_admin,
        description="Invited sam@example.com",
        created_date=ago(20),
    )
    AuditCompany.objects.create(
        company_id=acme.pk,
        operation="update",
        old_values={"Phone": "", "GSTRegistered": False},
        new_values={"Phone": "02 9999 0000", "GSTRegistered": True},
        changed_date=ago(10),
    )
    # Another company's story.
    AuditCompany.objects.create(company_id=other.pk, operation="update", old_values={"Phone": "1"}, new_values={})
    ActivityLog.objects.create(action="company_created", entity_type="Company", entity_id=str(other.pk), company=other)

    body = admin_client.get(change_url(acme)).content.decode()

    assert rows_of(body, "trail-row") == [
        [shown(ago(10)), "Update", "—", "Gst registered: No → Yes Phone: (empty) → 02 9999 0000"],
        [
            shown(ago(20)),
            "invitation_sent (UserInvitation 12) Invited sam@example.com",
            system_admin.email,
            "—",
        ],
        [shown(ago(30)), "Insert", system_admin.email, "Company name: Acme Events"],
    ]
    assert "<del>No</del> → <ins>Yes</ins>" in body
    query = f"company__id__exact={acme.pk}"
    assert f'href="/admin/auditing/activitylog/?{query}"' in body
    assert f'href="/admin/auditing/auditcompany/?{query}"' in body


def test_the_trail_shows_the_newest_rows_only(admin_client, acme):  # noqa: F811
    ActivityLog.objects.bulk_create(
        [
            ActivityLog(action=f"action_{i}", entity_type="Company", company=acme, created_date=ago(i))
            for i in range(TRAIL_PANEL_ROWS + 1)
        ]
    )

    response = admin_client.get(change_url(acme))

    panel = response.context["trail_panel"]
    assert [row.entry.what for row in panel.rows] == [f"action_{i}" for i in range(TRAIL_PANEL_ROWS)]
    assert panel.truncated
    assert f"The newest {TRAIL_PANEL_ROWS} are shown." in response.content.decode()


def test_an_abr_refresh_shows_in_the_trail_as_old_to_new(admin_client, acme, fake_abr):  # noqa: F811
    Company.objects.filter(pk=acme.pk).update(legal_entity_name="", abr_last_verified_at=None)
    admin_client.post(COMPANIES_URL, {"action": "refresh_abr_details", "_selected_action": [acme.pk]})

    body = admin_client.get(change_url(acme)).content.decode()

    changes = [row[3] for row in rows_of(body, "trail-row") if row[1] == "Update"]
    assert len(changes) == 1
    assert "Legal entity name: (empty) → HARBOURSIDE EVENTS TRUST" in changes[0]
    assert "Company name" not in changes[0]  # unchanged


# ABR details, tier, invitations -------------------------------------------------------------


def test_the_abr_details_show_the_last_verification_and_the_cache_entry(admin_client, acme):  # noqa: F811
    ABRSearch.objects.create(
        search_type="abn",
        search_value=acme.abn,
        response_json={},
        result_count=1,
        cached_at=ago(60),
        expires_at=ago(60) + timedelta(days=30),
        hit_count=3,
    )

    body = admin_client.get(change_url(acme)).content.decode()

    assert field(body, "abr_last_verified_at") == formats.localize(timezone.template_localtime(ago(90)))
    assert field(body, "abr_cache") == (
        f"Cached {timezone.localtime(ago(60)):%Y-%m-%d %H:%M %Z}, "
        f"expires {timezone.localtime(ago(60) + timedelta(days=30)):%Y-%m-%d %H:%M %Z} (fresh); 1 result, 3 hits "
        "(in the ABR cache)"
    )
    assert f'href="/admin/abrcache/abrsearch/?type=abn&amp;q={acme.abn}"' in body


def test_an_abn_without_a_cache_entry_says_so(admin_client, acme):  # noqa: F811
    body = admin_client.get(change_url(acme)).content.decode()

    assert field(body, "abr_cache") == NO_ABR_CACHE_ENTRY


def test_the_tier_is_on_the_page(admin_client, acme):  # noqa: F811
    body = admin_client.get(change_url(acme)).content.decode()

    assert field(body, "tier") == "Free"


def test_invitations_show_their_status_as_the_invitee_sees_it(admin_client, system_admin, acme):  # noqa: F811
    UserInvitation.objects.bulk_create(
        [
            invitation(acme, "fresh@example.com", system_admin),
            invitation(acme, "late@example.com", system_admin, at=ago(60 * 24 * 8)),
            invitation(acme, "joined@example.com", system_admin, status=ref.UserInvitationStatus.ACCEPTED),
        ]
    )

    body = admin_client.get(change_url(acme)).content.decode()

    cells = r'<td class="field-{}">\s*<p>(.*?)</p>'
    emails = re.findall(cells.format("invited_email"), body)
    statuses = re.findall(cells.format("current_status"), body)
    assert dict(zip(emails, statuses, strict=True)) == {
        "fresh@example.com": "Pending",
        "late@example.com": INVITATION_EXPIRED,
        "joined@example.com": "Accepted",
    }
