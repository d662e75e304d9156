"""The seed rows ``migrate`` leaves behind, and the insert-only loader that puts them there."""

import re
from decimal import Decimal
from io import StringIO

import phonenumbers
import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.core.management import call_command
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from stdnum import ean
from stdnum.au import abn, acn
from stdnum.ca import bn
from stdnum.gb import vat
from stdnum.nz import ird
from stdnum.us import ein

from configuration.models import AppSetting, ValidationRule
from eventlead.core.seed import FIXTURE_DIR, FIXTURES, seed_after_migrate, seed_database
from reference import models as ref
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

SMALL_REFERENCE_TABLES = {
    ref.UserStatus: ["active", "pending", "suspended", "locked"],
    ref.UserInvitationStatus: ["pending", "accepted", "declined", "expired", "cancelled"],
    ref.UserRole: ["system_admin", "company_user"],
    ref.UserCompanyRole: ["company_admin", "company_user", "company_viewer"],
    ref.UserCompanyStatus: ["active", "suspended", "removed"],
    ref.SettingCategory: ["authentication", "validation", "email", "security"],
    ref.SettingType: ["integer", "boolean", "string", "json", "decimal"],
    ref.RuleType: ["phone", "postal_code", "tax_id", "email", "address"],
    ref.CustomerTier: ["free", "starter", "professional", "enterprise"],
    ref.JoinedVia: ["signup", "invitation", "transfer"],
}

APP_SETTING_KEYS = {
    "auth.password_min_length",
    "auth.password_expiry_days",
    "auth.password_require_mixed",
    "auth.access_token_minutes",
    "auth.refresh_token_days",
    "auth.email_verification_hours",
    "auth.password_reset_minutes",
    "security.max_failed_login_attempts",
    "security.lockout_minutes",
    "security.reauth_minutes",
    "security.rate_limits",
    "email.from_address",
    "email.invitation_expiry_days",
    "email.invitation_max_resends",
    "email.invitation_resend_cooldown_minutes",
    "email.invitation_emails_per_recipient",
    "email.invitation_emails_window_hours",
    "validation.abr_cache_days",
}

# Configuration first, so deleting in this order never hits a protected reference row.
SEEDED_MODELS = [apps.get_model(label) for _, label in reversed(FIXTURES)]

# One SELECT of existing keys and one INSERT per table (15 each), four code->pk maps for the
# configuration tables' foreign keys, a savepoint and its release: 36. SQLite allows 999
# parameters a query, so Country (21 columns) takes 6 INSERT batches and Language 2: 42.
FULL_SEED_MAX_QUERIES = 42
# Nothing missing: the 15 key SELECTs inside a savepoint, and no code->pk map is read.
NOOP_SEED_QUERIES = 17


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def empty_seeded_tables() -> None:
    for model in SEEDED_MODELS:
        model.objects.all().delete()


@pytest.mark.parametrize("model", SMALL_REFERENCE_TABLES, ids=lambda model: model.__name__)
def test_small_reference_table_holds_the_catalogue_codes_in_order(model):
    rows = list(model.objects.order_by("sort_order"))
    assert [row.code for row in rows] == SMALL_REFERENCE_TABLES[model]
    assert all(row.display_name and row.description and row.is_active for row in rows)


def test_customer_tiers_grow_in_price_and_users():
    tiers = list(ref.CustomerTier.objects.order_by("sort_order"))
    assert [tier.monthly_price for tier in tiers] == [Decimal(price) for price in ("0.00", "49.00", "149.00", "499.00")]
    assert [tier.max_users for tier in tiers] == [2, 5, 25, None]


def test_every_iso_country_is_seeded_and_only_australia_is_active():
    assert ref.Country.objects.count() >= 249
    assert list(ref.Country.objects.active().values_list("code", flat=True)) == ["au"]
    united_states = ref.Country.objects.get(code="us")
    assert (united_states.country_code, united_states.country_code3, united_states.phone_prefix) == ("US", "USA", "+1")
    assert (united_states.currency_code, united_states.currency_symbol) == ("USD", "$")
    assert united_states.tax_rate is None and united_states.integration_config is None


def test_australia_is_configured_as_in_the_design_document():
    australia = ref.Country.objects.get(code="au")
    assert {
        "country_code": australia.country_code,
        "country_code3": australia.country_code3,
        "country_name": australia.country_name,
        "phone_prefix": australia.phone_prefix,
        "currency": (australia.currency_code, australia.currency_symbol, australia.currency_name),
        "tax": (australia.tax_rate, australia.tax_name, australia.tax_inclusive, australia.tax_number_label),
        "providers": (australia.company_validation_provider, australia.address_validation_provider),
        "integration_config": australia.integration_config,
    } == {
        "country_code": "AU",
        "country_code3": "AUS",
        "country_name": "Australia",
        "phone_prefix": "+61",
        "currency": ("AUD", "$", "Australian Dollar"),
        "tax": (Decimal("0.1000"), "GST", False, "ABN"),
        "providers": ("ABR", "Geoscape"),
        "integration_config": {
            "abrApiUrl": "https://abr.business.gov.au/json/",
            "geoscapeApiUrl": "https://api.geoscape.com.au/",
        },
    }


def test_every_iso_639_1_language_is_seeded_and_only_english_is_active():
    assert ref.Language.objects.count() >= 180
    assert list(ref.Language.objects.active().values_list("code", flat=True)) == ["en"]
    french = ref.Language.objects.get(code="fr")
    assert (french.language_code, french.language_name, french.native_name) == ("fr", "French", "Français")


def test_industries_are_the_nineteen_anzsic_divisions():
    industries = list(ref.Industry.objects.order_by("sort_order"))
    assert [industry.industry_code for industry in industries] == list("ABCDEFGHIJKLMNOPQRS")
    agriculture = industries[0]
    assert (agriculture.code, agriculture.industry_name) == (
        "agriculture_forestry_and_fishing",
        "Agriculture, Forestry and Fishing",
    )


def test_app_settings_are_the_seventeen_catalogue_keys_at_their_defaults():
    settings = list(AppSetting.objects.select_related("category", "setting_type"))
    assert {setting.setting_key for setting in settings} == APP_SETTING_KEYS
    categories = {"auth": "authentication", "security": "security", "email": "email", "validation": "validation"}
    for setting in settings:
        assert setting.setting_value == setting.default_value
        assert setting.category.code == categories[setting.setting_key.split(".")[0]]
        assert setting.is_editable and not setting.is_sensitive
        if setting.min_value is not None:
            assert setting.min_value <= Decimal(setting.setting_value) <= setting.max_value
    by_key = {setting.setting_key: setting for setting in settings}
    assert (by_key["auth.password_min_length"].min_value, by_key["auth.password_min_length"].max_value) == (8, 128)
    assert by_key["auth.password_require_mixed"].setting_value == "true"
    assert by_key["security.rate_limits"].setting_type.code == "json"


def test_validation_rules_are_twenty_and_each_example_matches_its_own_pattern():
    rules = list(ValidationRule.objects.select_related("country", "rule_type"))
    assert len(rules) == 20
    assert {rule.country.code for rule in rules} == {"au", "nz", "gb", "us", "ca"}
    for rule in rules:
        assert rule.validation_pattern.startswith("^") and rule.validation_pattern.endswith("$")
        assert re.fullmatch(rule.validation_pattern, rule.example_value), rule.rule_name
        assert rule.example_value in rule.error_message


PHONE_TYPES = {
    "mobile": [PhoneNumberType.MOBILE],
    "landline": [PhoneNumberType.FIXED_LINE],
    "phone": [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE],
}


def test_phone_patterns_accept_libphonenumber_examples_in_every_format():
    for rule in ValidationRule.objects.filter(rule_type__code="phone").select_related("country"):
        for number_type in PHONE_TYPES[rule.rule_name]:
            number = phonenumbers.example_number_for_type(rule.country.country_code, number_type)
            for number_format in (PhoneNumberFormat.NATIONAL, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.E164):
                written = phonenumbers.format_number(number, number_format)
                assert re.fullmatch(rule.validation_pattern, written), (rule.country.code, rule.rule_name, written)


def test_phone_patterns_reject_another_countrys_number():
    au_mobile = ValidationRule.objects.get(country__code="au", rule_name="mobile")
    assert not re.fullmatch(au_mobile.validation_pattern, "+64 21 123 4567")
    assert not re.fullmatch(au_mobile.validation_pattern, "02 9876 5432")


CHECK_DIGIT_VALIDATORS = {
    ("au", "abn"): abn.is_valid,
    ("au", "acn"): acn.is_valid,
    ("nz", "gst_number"): ird.is_valid,
    ("nz", "nzbn"): ean.is_valid,
    ("gb", "vat_number"): vat.is_valid,
    ("us", "ein"): ein.is_valid,
    ("ca", "business_number"): bn.is_valid,
    ("ca", "gst_hst_number"): bn.is_valid,
}


def test_tax_id_examples_carry_valid_check_digits():
    rules = ValidationRule.objects.filter(rule_type__code="tax_id")
    examples = {
        (country, name): example
        for country, name, example in rules.values_list("country__code", "rule_name", "example_value")
    }
    # Companies House numbers carry no check digit; every other tax id does.
    assert set(examples) == set(CHECK_DIGIT_VALIDATORS) | {("gb", "company_number")}
    assert [key for key, is_valid in CHECK_DIGIT_VALIDATORS.items() if not is_valid(examples[key])] == []


def test_reseeding_inserts_nothing_and_keeps_an_administrators_edit():
    AppSetting.objects.filter(setting_key="auth.password_min_length").update(setting_value="12")
    ref.Country.objects.filter(code="nz").update(is_active=True)
    counts = table_counts()

    assert seed_database() == 0

    assert table_counts() == counts
    assert AppSetting.objects.get(setting_key="auth.password_min_length").setting_value == "12"
    assert ref.Country.objects.get(code="nz").is_active


def test_reseeding_restores_a_deleted_seed_row():
    AppSetting.objects.filter(setting_key="security.lockout_minutes").delete()
    ValidationRule.objects.filter(country__code="au", rule_name="acn").delete()
    ref.JoinedVia.objects.filter(code="transfer").delete()
    counts = table_counts()

    assert seed_database() == 3

    lockout = AppSetting.objects.select_related("category").get(setting_key="security.lockout_minutes")
    assert (lockout.setting_value, lockout.category.code) == ("30", "security")
    acn_rule = ValidationRule.objects.get(country__code="au", rule_type__code="tax_id", rule_name="acn")
    assert acn_rule.example_value == "000 000 019"
    assert ref.JoinedVia.objects.filter(code="transfer").exists()
    restored = ("AppSetting", "ValidationRule", "JoinedVia")
    assert table_counts() == {name: count + (name in restored) for name, count in counts.items()}


def test_reseeding_forgets_cached_reference_ids():
    stale_id = reference_id(ref.JoinedVia, "transfer")
    ref.JoinedVia.objects.filter(code="transfer").delete()

    seed_database()

    assert reference_id(ref.JoinedVia, "transfer") == ref.JoinedVia.objects.get(code="transfer").pk != stale_id


def test_migrate_reseeds_through_post_migrate():
    ref.UserStatus.objects.filter(code="locked").delete()

    call_command("migrate", verbosity=0)

    assert ref.UserStatus.objects.filter(code="locked").exists()


def test_post_migrate_skips_seeding_when_a_seeded_model_is_not_migrated():
    ref.UserStatus.objects.filter(code="locked").delete()

    seed_after_migrate(sender=None, using="default", verbosity=0, apps=Apps(installed_apps=()))

    assert not ref.UserStatus.objects.filter(code="locked").exists()


def test_full_seed_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    empty_seeded_tables()

    with django_assert_max_num_queries(FULL_SEED_MAX_QUERIES):
        inserted = seed_database()

    assert inserted == sum(table_counts().values()) >= 249 + 180 + 19 + 17 + 20


def test_reseed_with_nothing_missing_takes_one_query_per_table(django_assert_num_queries):
    with django_assert_num_queries(NOOP_SEED_QUERIES):
        seed_database()


def test_committed_fixtures_are_what_build_seed_fixtures_generates(tmp_path):
    call_command("build_seed_fixtures", output=tmp_path, stdout=StringIO())

    generated = {path.name: path.read_text(encoding="utf-8") for path in tmp_path.glob("*.json")}
    committed = {path.name: path.read_text(encoding="utf-8") for path in FIXTURE_DIR.glob("*.json")}
    assert set(generated) == {file_name for file_name, _ in FIXTURES}
    assert set(committed) == set(generated)
    stale = [name for name in generated if generated[name] != committed[name]]
    assert not stale, f"run `manage.py build_seed_fixtures` and commit: {stale}"
