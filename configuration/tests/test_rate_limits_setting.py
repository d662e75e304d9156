"""``security.rate_limits`` in the back office: only rates every throttle can read are saved."""

import json

import pytest

from accounts.throttles import DEFAULT_RATES
from configuration import services
from configuration.models import AppSetting
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

KEY = "security.rate_limits"


def save(client, value):
    url = f"/admin/configuration/appsetting/{AppSetting.objects.get(setting_key=KEY).pk}/change/"
    return client.post(url, change_form_data(client.get(url), setting_value=value))


@pytest.mark.parametrize(
    "value",
    [
        '["10/min"]',
        '"10/min"',
        '{"login": "ten/min"}',
        '{"login": "10/fortnight"}',
        '{"login": "10/"}',
        '{"login": 10}',
        '{"login": null}',
        '{"login": "10/min", "tokenRefresh": "-1/min"}',
    ],
)
def test_a_value_that_is_not_an_object_of_rates_gets_a_form_error_and_is_not_saved(admin_client, value):  # noqa: F811
    before = AppSetting.objects.get(setting_key=KEY).setting_value

    response = save(admin_client, value)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["setting_value"] == [services.MESSAGE_RATE_LIMITS]
    assert AppSetting.objects.get(setting_key=KEY).setting_value == before


def test_rates_with_any_period_drf_reads_are_saved(admin_client):  # noqa: F811
    rates = {**DEFAULT_RATES, "login": "20/minute", "signup": "3/hours", "tokenRefresh": "1/s", "passwordChange": "9/d"}

    response = save(admin_client, json.dumps(rates))

    assert response.status_code == 302
    assert json.loads(AppSetting.objects.get(setting_key=KEY).setting_value) == rates
