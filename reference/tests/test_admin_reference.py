"""The reference tables in the back office: edit in the list, retire instead of deleting a row in use."""

import pytest

from companies.models import Company
from configuration.forms import MESSAGE_NOT_AN_OBJECT
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)
from reference.admin import USED_BY_CODE
from reference.models import Country, Industry, UserStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def unused_industry():
    return Industry.objects.create(
        code="zz-test", display_name="Test industry", industry_code="ZZ", industry_name="Test industry", sort_order=90
    )


@pytest.fixture
def used_industry(unused_industry):
    Company.objects.create(
        company_name="Acme Events", country=Country.objects.get(country_code="AU"), industry=unused_industry
    )
    return unused_industry


def test_the_list_shows_code_name_sort_order_and_active(admin_client, unused_industry):  # noqa: F811
    response = admin_client.get("/admin/reference/industry/", {"q": "zz-test"})

    changelist = response.context["cl"]
    assert changelist.list_display == [
        "action_checkbox",
        "code",
        "display_name",
        "industry_code",
        "sort_order",
        "is_active",
    ]
    assert list(changelist.list_editable) == ["sort_order", "is_active"]
    assert list(changelist.result_list) == [unused_industry]
    assert 'name="form-0-sort_order" value="90"' in response.content.decode()


def test_the_list_filters_by_active(admin_client, unused_industry):  # noqa: F811
    Industry.objects.filter(pk=unused_industry.pk).update(is_active=False)

    inactive = admin_client.get("/admin/reference/industry/", {"is_active__exact": "0"})

    assert list(inactive.context["cl"].result_list) == [unused_industry]


def test_sort_order_and_active_are_edited_in_the_list(admin_client, unused_industry):  # noqa: F811
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(unused_industry.pk),
        "form-0-sort_order": "3",
        "_save": "Save",
    }  # "form-0-is_active" left out: the box was unticked

    response = admin_client.post("/admin/reference/industry/?q=zz-test", data)

    assert response.status_code == 302
    unused_industry.refresh_from_db()
    assert (unused_industry.sort_order, unused_industry.is_active) == (3, False)


def test_the_code_is_fixed_once_a_row_exists(admin_client, unused_industry):  # noqa: F811
    page = admin_client.get(f"/admin/reference/industry/{unused_industry.pk}/change/")

    assert "code" not in page.context["adminform"].form.fields
    admin_client.post(
        f"/admin/reference/industry/{unused_industry.pk}/change/",
        change_form_data(page, code="renamed", display_name="Renamed"),
    )
    unused_industry.refresh_from_db()
    assert (unused_industry.code, unused_industry.display_name) == ("zz-test", "Renamed")


def test_a_row_in_use_is_not_deleted_and_the_message_suggests_deactivating(admin_client, used_industry):  # noqa: F811
    response = admin_client.get(f"/admin/reference/industry/{used_industry.pk}/delete/", follow=True)

    message = str(list(response.context["messages"])[0])
    assert message.startswith("Industry “Test industry” cannot be deleted: still used by companies.")
    assert "Untick “Active” instead" in message
    assert response.redirect_chain[-1][0] == f"/admin/reference/industry/{used_industry.pk}/change/"
    # Posting the confirmation directly is refused the same way.
    admin_client.post(f"/admin/reference/industry/{used_industry.pk}/delete/", {"post": "yes"})
    assert Industry.objects.filter(pk=used_industry.pk).exists()


def test_the_bulk_delete_action_refuses_rows_in_use(admin_client, used_industry):  # noqa: F811
    spare = Industry.objects.create(code="zz-spare", display_name="Spare", industry_code="ZY", industry_name="Spare")

    response = admin_client.post(
        "/admin/reference/industry/",
        {
            "action": "delete_selected",
            "_selected_action": [used_industry.pk, spare.pk],
            "post": "yes",
        },
        follow=True,
    )

    message = str(list(response.context["messages"])[0])
    assert "cannot be deleted: still used by companies" in message
    assert Industry.objects.filter(pk__in=[used_industry.pk, spare.pk]).count() == 2


def test_an_unused_row_can_be_deleted(admin_client, unused_industry):  # noqa: F811
    response = admin_client.post(f"/admin/reference/industry/{unused_industry.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Industry.objects.filter(pk=unused_industry.pk).exists()


def test_a_code_the_application_looks_up_is_not_deleted(admin_client):  # noqa: F811
    locked = UserStatus.objects.get(code=UserStatus.LOCKED)  # no user has it, but code names it

    response = admin_client.get(f"/admin/reference/userstatus/{locked.pk}/delete/", follow=True)

    assert USED_BY_CODE in str(list(response.context["messages"])[0])
    assert UserStatus.objects.filter(pk=locked.pk).exists()


def test_countries_list_currency_and_tax(admin_client):  # noqa: F811
    response = admin_client.get("/admin/reference/country/", {"q": "AUD"})

    australia = next(row for row in response.context["cl"].result_list if row.country_code == "AU")
    assert "field-currency_code" in response.content.decode() and "field-tax_rate" in response.content.decode()
    assert australia.tax_name == "GST"


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("{not json", "Enter a valid JSON."),
        ('["abr"]', MESSAGE_NOT_AN_OBJECT),
    ],
)
def test_integration_config_must_be_a_json_object(admin_client, config, error):  # noqa: F811
    australia = Country.objects.get(country_code="AU")
    url = f"/admin/reference/country/{australia.pk}/change/"

    response = admin_client.post(url, change_form_data(admin_client.get(url), integration_config=config))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["integration_config"] == [error]


def test_integration_config_is_saved_as_json(admin_client):  # noqa: F811
    australia = Country.objects.get(country_code="AU")
    url = f"/admin/reference/country/{australia.pk}/change/"

    response = admin_client.post(
        url, change_form_data(admin_client.get(url), integration_config='{"abr": {"enabled": true}}')
    )

    assert response.status_code == 302
    australia.refresh_from_db()
    assert australia.integration_config == {"abr": {"enabled": True}}
