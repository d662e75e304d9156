"""Validation rules in the back office: compiled patterns, matching examples, a value to try, audit."""

import pytest
from rest_framework import status

from auditing.models import ActivityLog
from configuration import services
from configuration.models import ValidationRule
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)
from reference.models import Country, RuleType

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/configuration/validationrule/add/"


def new_rule(**changes):
    """A postcode rule for Singapore (which has none seeded), as typed on the add page."""
    data = {
        "country": Country.objects.get(country_code="SG").pk,
        "rule_type": RuleType.objects.get(code="postal_code").pk,
        "rule_name": "postcode",
        "validation_pattern": r"^\d{6}$",
        "error_message": "Enter a six-digit Singapore postcode, such as 018956.",
        "example_value": "018956",
        "description": "",
        "is_active": "on",
        "sort_order": "1",
        "try_value": "",
    }
    return {**data, **changes}


def form_errors(response):
    return response.context["adminform"].form.errors


def test_an_invalid_pattern_is_a_form_error(admin_client):  # noqa: F811
    response = admin_client.post(ADD_URL, new_rule(validation_pattern=r"^(\d{6}$"))

    assert form_errors(response)["validation_pattern"] == [
        "This is not a valid regular expression: missing ), unterminated subpattern at position 1."
    ]
    assert not ValidationRule.objects.filter(rule_name="postcode", country__country_code="SG").exists()


def test_the_example_value_must_match_the_pattern(admin_client):  # noqa: F811
    response = admin_client.post(ADD_URL, new_rule(example_value="01895"))

    assert form_errors(response)["example_value"] == [services.MESSAGE_EXAMPLE_MISMATCH]


def test_a_rule_added_in_the_back_office_is_enforced_by_the_api(admin_client, system_admin, auth_client):  # noqa: F811
    Country.objects.filter(country_code="SG").update(is_active=True)  # only Australia is active as seeded
    response = admin_client.post(ADD_URL, new_rule())
    assert response.status_code == 302

    refused = auth_client.post(
        "/api/v1/companies",
        {"companyName": "Lion City Events", "countryCode": "SG", "postalCode": "18956"},
        format="json",
    )
    assert refused.status_code == status.HTTP_400_BAD_REQUEST
    assert refused.json()["error"]["fields"] == {
        "postalCode": ["Enter a six-digit Singapore postcode, such as 018956."]
    }
    accepted = auth_client.post(
        "/api/v1/companies",
        {"companyName": "Lion City Events", "countryCode": "SG", "postalCode": "018956"},
        format="json",
    )
    assert accepted.status_code == status.HTTP_201_CREATED

    rule = ValidationRule.objects.get(country__country_code="SG", rule_name="postcode")
    created = ActivityLog.objects.get(action=services.ACTION_RULE_CREATED)
    assert (created.user, created.entity_type, created.entity_id) == (system_admin, "ValidationRule", str(rule.pk))
    assert created.new_values["ValidationPattern"] == r"^\d{6}$"
    assert rule.created_by == rule.updated_by == system_admin


@pytest.mark.parametrize(
    ("sample", "level", "text"),
    [
        ("238801", "success", "“238801” passes the rule “postcode”."),
        (
            "2388",
            "warning",
            "“2388” does not pass the rule “postcode”; the API would answer: "
            "Enter a six-digit Singapore postcode, such as 018956.",
        ),
    ],
)
def test_a_value_to_try_is_checked_and_the_result_shown(admin_client, sample, level, text):  # noqa: F811
    response = admin_client.post(ADD_URL, new_rule(try_value=sample, _continue="1"), follow=True)

    shown = [(message.level_tag, message.message) for message in response.context["messages"]]
    assert (level, text) in shown


def test_a_change_is_recorded_with_old_and_new_values(admin_client, system_admin):  # noqa: F811
    rule = ValidationRule.objects.get(country__country_code="AU", rule_name="postcode")
    url = f"/admin/configuration/validationrule/{rule.pk}/change/"

    response = admin_client.post(url, change_form_data(admin_client.get(url), validation_pattern=r"^[0-9]{4}$"))

    assert response.status_code == 302
    change = ActivityLog.objects.get(action=services.ACTION_RULE_CHANGED)
    assert change.old_values == {"ValidationPattern": r"^\d{4}$"}
    assert change.new_values == {"ValidationPattern": r"^[0-9]{4}$"}
    assert "validation rule changed" in admin_client.get(url).content.decode()


def test_deleting_a_rule_is_recorded(admin_client, system_admin):  # noqa: F811
    rule = ValidationRule.objects.get(country__country_code="AU", rule_name="postcode")

    admin_client.post(f"/admin/configuration/validationrule/{rule.pk}/delete/", {"post": "yes"})

    assert not ValidationRule.objects.filter(pk=rule.pk).exists()
    deleted = ActivityLog.objects.get(action=services.ACTION_RULE_DELETED)
    assert deleted.old_values["RuleName"] == "postcode" and deleted.entity_id == str(rule.pk)
