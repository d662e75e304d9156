"""Settings in the back office: checked values, masked secrets, defaults, history, live changes."""

import re

import pytest

from auditing.models import ActivityLog
from configuration import services, settings_store
from configuration.models import AppSetting
from configuration.settings_store import get_setting
from eventlead.backoffice.testing import admin_client, change_form_data, system_admin  # noqa: F401 (fixtures)
from reference.models import SettingCategory, SettingType

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/configuration/appsetting/"


def change_url(key: str) -> str:
    return f"{LIST_URL}{AppSetting.objects.get(setting_key=key).pk}/change/"


def save(client, key, value, capture=None):
    """Post a new value on the setting's page, running on-commit work as a real request would."""
    url = change_url(key)
    data = change_form_data(client.get(url), setting_value=value)
    if capture is None:
        return client.post(url, data)
    with capture(execute=True):
        return client.post(url, data)


@pytest.fixture
def secret_setting():
    return AppSetting.objects.create(
        setting_key="email.smtp_password",
        setting_value="hunter2-secret",
        default_value="initial-secret",
        category=SettingCategory.objects.get(code="email"),
        setting_type=SettingType.objects.get(code="string"),
        is_sensitive=True,
    )


def test_the_list_is_grouped_by_category_with_value_and_default_side_by_side(admin_client):  # noqa: F811
    body = admin_client.get(LIST_URL).content.decode()

    groups = re.findall(r'<tr class="setting-group"><th[^>]*>([^<]+)</th>', body)
    in_order = SettingCategory.objects.order_by("sort_order")
    assert groups == [category.display_name for category in in_order if category.appsetting_set.exists()]
    assert len(groups) == 4
    row = re.search(r"<tr>.*?auth\.access_token_minutes.*?</tr>", body, re.S).group(0)
    assert '<td class="field-value_display">15</td><td class="field-default_display">15</td>' in row
    assert '<td class="field-rule_display"><span style="white-space: nowrap">integer 1–1440</span></td>' in row


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("fifteen", "Enter a valid integer value: this setting's SettingType is integer."),
        ("0", services.MESSAGE_BELOW_MIN.format(limit="1")),
        ("1441", services.MESSAGE_ABOVE_MAX.format(limit="1440")),
    ],
)
def test_a_bad_value_gets_a_form_error_naming_the_rule(admin_client, value, message):  # noqa: F811
    response = save(admin_client, "auth.access_token_minutes", value)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["setting_value"]
    assert len(errors) == 1 and errors[0].startswith(message)
    assert AppSetting.objects.get(setting_key="auth.access_token_minutes").setting_value == "15"
    assert not ActivityLog.objects.filter(action=services.ACTION_SETTING_CHANGED).exists()


def test_a_json_setting_must_be_json(admin_client):  # noqa: F811
    response = save(admin_client, "security.rate_limits", '{"login": ')

    assert (
        response.context["adminform"]
        .form.errors["setting_value"][0]
        .startswith("Enter a valid json value: this setting's SettingType is json.")
    )


def test_a_saved_change_is_live_at_once_and_recorded(admin_client, system_admin, django_capture_on_commit_callbacks):  # noqa: F811
    assert get_setting("auth.access_token_minutes") == 15  # cached in this process now

    response = save(admin_client, "auth.access_token_minutes", " 30 ", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert get_setting("auth.access_token_minutes") == 30
    change = ActivityLog.objects.get(action=services.ACTION_SETTING_CHANGED)
    setting = AppSetting.objects.get(setting_key="auth.access_token_minutes")
    assert (change.user, change.entity_type, change.entity_id) == (system_admin, "AppSetting", str(setting.pk))
    assert change.old_values == {"SettingKey": "auth.access_token_minutes", "SettingValue": "15"}
    assert change.new_values == {"SettingKey": "auth.access_token_minutes", "SettingValue": "30"}
    assert setting.updated_by == system_admin


def test_other_processes_see_a_change_within_the_cache_lifetime(monkeypatch):
    """Another process's cache is not cleared by our save; it reloads after CACHE_SECONDS."""
    clock = [1000.0]
    monkeypatch.setattr(settings_store.time, "monotonic", lambda: clock[0])
    settings_store.clear_cache()
    assert get_setting("auth.access_token_minutes") == 15
    AppSetting.objects.filter(setting_key="auth.access_token_minutes").update(setting_value="45")

    clock[0] += settings_store.CACHE_SECONDS
    assert get_setting("auth.access_token_minutes") == 15
    clock[0] += 0.1
    assert get_setting("auth.access_token_minutes") == 45


def test_booleans_are_stored_as_true_or_false(admin_client):  # noqa: F811
    save(admin_client, "auth.password_require_mixed", "No")

    assert AppSetting.objects.get(setting_key="auth.password_require_mixed").setting_value == "false"


def test_each_setting_page_shows_its_change_history(admin_client, system_admin):  # noqa: F811
    save(admin_client, "auth.access_token_minutes", "30")
    save(admin_client, "auth.access_token_minutes", "45")

    body = admin_client.get(change_url("auth.access_token_minutes")).content.decode()

    rows = re.findall(
        r"<tr><td>[^<]+</td><td>([^<]+)</td><td>setting changed</td><td><code>(\d+)</code></td>"
        r"<td><code>(\d+)</code></td></tr>",
        body,
    )
    assert rows == [(system_admin.email, "30", "45"), (system_admin.email, "15", "30")]


def test_a_sensitive_value_is_masked_in_the_list_the_form_and_the_history(admin_client, secret_setting):  # noqa: F811
    assert "hunter2-secret" not in admin_client.get(LIST_URL).content.decode()
    page = admin_client.get(change_url(secret_setting.setting_key)).content.decode()
    assert "hunter2-secret" not in page and "initial-secret" not in page

    save(admin_client, secret_setting.setting_key, "")  # blank keeps the value
    secret_setting.refresh_from_db()
    assert secret_setting.setting_value == "hunter2-secret"
    assert not ActivityLog.objects.filter(action=services.ACTION_SETTING_CHANGED).exists()

    save(admin_client, secret_setting.setting_key, "new-secret")
    secret_setting.refresh_from_db()
    assert secret_setting.setting_value == "new-secret"
    change = ActivityLog.objects.get(action=services.ACTION_SETTING_CHANGED)
    assert change.old_values["SettingValue"] == change.new_values["SettingValue"] == services.MASK
    assert "new-secret" not in admin_client.get(change_url(secret_setting.setting_key)).content.decode()


def test_a_setting_that_is_not_editable_is_read_only(admin_client, secret_setting):  # noqa: F811
    AppSetting.objects.filter(pk=secret_setting.pk).update(is_editable=False)
    url = change_url(secret_setting.setting_key)

    page = admin_client.get(url)

    assert "setting_value" not in page.context["adminform"].form.fields
    assert "hunter2-secret" not in page.content.decode()
    assert admin_client.post(url, {"setting_value": "x"}).status_code == 403
    secret_setting.refresh_from_db()
    assert secret_setting.setting_value == "hunter2-secret"


def test_reset_to_default_puts_back_the_default_and_records_it(admin_client, system_admin):  # noqa: F811
    AppSetting.objects.filter(setting_key="security.lockout_minutes").update(setting_value="45")
    setting = AppSetting.objects.get(setting_key="security.lockout_minutes")

    response = admin_client.post(
        LIST_URL, {"action": "reset_to_default", "_selected_action": [setting.pk]}, follow=True
    )

    setting.refresh_from_db()
    assert setting.setting_value == setting.default_value == "30"
    assert [str(m) for m in response.context["messages"]] == ["Reset 1 setting to the default value."]
    change = ActivityLog.objects.get(action=services.ACTION_SETTING_CHANGED)
    assert (change.old_values["SettingValue"], change.new_values["SettingValue"]) == ("45", "30")


def test_settings_cannot_be_added_or_deleted(admin_client):  # noqa: F811
    setting = AppSetting.objects.get(setting_key="auth.access_token_minutes")

    assert admin_client.get(f"{LIST_URL}add/").status_code == 403
    assert admin_client.post(f"{LIST_URL}{setting.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AppSetting.objects.filter(pk=setting.pk).exists()
