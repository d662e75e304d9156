"""Regenerate the seed fixtures in ``fixtures/`` from maintained data libraries.

Countries and languages come from pycountry (ISO 3166-1, ISO 639-1), currencies and native
language names from Babel (Unicode CLDR), calling codes from phonenumbers (Google's
libphonenumber metadata). Everything no library ships is written out below: the ANZSIC 2006
divisions, the small reference tables, the application settings and the validation rules.

The output depends only on this file and the pinned library versions, so upgrading pycountry,
Babel or phonenumbers means running this command again and committing the diff;
``eventlead/core/tests/test_seed.py`` fails until that is done.

Validation rules (20): AU mobile, landline, postcode, ABN and ACN; NZ, GB, US and CA phone,
postal code and tax id; and a company-register number beside the tax id wherever the country
keeps a national register, mirroring Australia's ABN/ACN pair: the NZBN for NZ, the Companies
House number for GB and the GST/HST account (business number plus ``RT`` program) for CA. The
US has no national company register (companies are incorporated per state), so it has three.
Patterns are for ``re.fullmatch``, stay within the syntax Python and JavaScript share, accept
upper- and lower-case letters and the spacing people usually type, and check format only:
check digits are the validator's job.
"""

import datetime
import functools
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pycountry
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from accounts.throttles import DEFAULT_RATES
from eventlead.core.devtools import missing_dev_tool

# Babel and phonenumbers are development tools (requirements-dev.txt): without them the command
# says so when it runs.
try:
    import phonenumbers
    from babel import Locale, localedata
    from babel.numbers import get_currency_name, get_currency_symbol, get_territory_currencies
except ModuleNotFoundError as error:
    MISSING_DEV_TOOL: ModuleNotFoundError | None = error
else:
    MISSING_DEV_TOOL = None

# Currencies change over time (Bulgaria moved to the euro on 2026-01-01), and Babel answers for
# a date. A fixed date keeps the output reproducible; move it forward with a library upgrade.
CURRENCIES_AS_OF = datetime.date(2026, 1, 1)

ACTIVE_COUNTRY = "AU"
ACTIVE_LANGUAGE = "en"

# The design document's example row for Australia, the only country configured at launch.
COUNTRY_CONFIGURATION = {
    "AU": {
        "tax_rate": "0.1000",
        "tax_name": "GST",
        "tax_inclusive": False,
        "tax_number_label": "ABN",
        "company_validation_provider": "ABR",
        "address_validation_provider": "Geoscape",
        "integration_config": {
            "abrApiUrl": "https://abr.business.gov.au/json/",
            "geoscapeApiUrl": "https://api.geoscape.com.au/",
        },
    },
}

# ANZSIC 2006 divisions (ABS catalogue 1292.0), which no maintained Python library ships.
ANZSIC_DIVISIONS = [
    ("A", "Agriculture, Forestry and Fishing"),
    ("B", "Mining"),
    ("C", "Manufacturing"),
    ("D", "Electricity, Gas, Water and Waste Services"),
    ("E", "Construction"),
    ("F", "Wholesale Trade"),
    ("G", "Retail Trade"),
    ("H", "Accommodation and Food Services"),
    ("I", "Transport, Postal and Warehousing"),
    ("J", "Information Media and Telecommunications"),
    ("K", "Financial and Insurance Services"),
    ("L", "Rental, Hiring and Real Estate Services"),
    ("M", "Professional, Scientific and Technical Services"),
    ("N", "Administrative and Support Services"),
    ("O", "Public Administration and Safety"),
    ("P", "Education and Training"),
    ("Q", "Health Care and Social Assistance"),
    ("R", "Arts and Recreation Services"),
    ("S", "Other Services"),
]

# Small reference tables: file stem -> (model label, [(code, display name, description)]).
# SortOrder is the position in the list.
SMALL_REFERENCE_TABLES = {
    "ref_userstatus": (
        "reference.userstatus",
        [
            ("active", "Active", "Can sign in and use the application."),
            ("pending", "Pending", "Signed up; the email address is not verified yet."),
            ("suspended", "Suspended", "Blocked by an administrator until reinstated."),
            ("locked", "Locked", "Locked after too many failed sign-in attempts."),
        ],
    ),
    "ref_userinvitationstatus": (
        "reference.userinvitationstatus",
        [
            ("pending", "Pending", "Sent and waiting for an answer."),
            ("accepted", "Accepted", "The invited person joined the company."),
            ("declined", "Declined", "The invited person declined."),
            ("expired", "Expired", "Not answered before it expired."),
            ("cancelled", "Cancelled", "Withdrawn by a company administrator."),
        ],
    ),
    "ref_userrole": (
        "reference.userrole",
        [
            ("system_admin", "System administrator", "Operates the platform across all companies."),
            ("company_user", "Company user", "Works within the companies they belong to."),
        ],
    ),
    "ref_usercompanyrole": (
        "reference.usercompanyrole",
        [
            ("company_admin", "Company administrator", "Manages the company profile, members and invitations."),
            ("company_user", "Company user", "Works with the company's data."),
            ("company_viewer", "Company viewer", "Reads the company's data without changing it."),
        ],
    ),
    "ref_usercompanystatus": (
        "reference.usercompanystatus",
        [
            ("active", "Active", "A current member of the company."),
            ("suspended", "Suspended", "Membership paused by a company administrator."),
            ("removed", "Removed", "No longer a member; kept for the record."),
        ],
    ),
    "ref_settingcategory": (
        "reference.settingcategory",
        [
            ("authentication", "Authentication", "Passwords, tokens and email verification."),
            ("validation", "Validation", "Checks of company and address data."),
            ("email", "Email", "Outgoing email and invitations."),
            ("security", "Security", "Lockout and rate limits."),
        ],
    ),
    "ref_settingtype": (
        "reference.settingtype",
        [
            ("integer", "Integer", "A whole number."),
            ("boolean", "Boolean", "true or false."),
            ("string", "String", "Free text."),
            ("json", "JSON", "A JSON document."),
            ("decimal", "Decimal", "A decimal number."),
        ],
    ),
    "ref_ruletype": (
        "reference.ruletype",
        [
            ("phone", "Phone number", "Telephone number formats."),
            ("postal_code", "Postal code", "Postcode and ZIP formats."),
            ("tax_id", "Tax or company number", "Business, tax and company register numbers."),
            ("email", "Email address", "Email address formats."),
            ("address", "Address", "Street address formats."),
        ],
    ),
    "ref_joinedvia": (
        "reference.joinedvia",
        [
            ("signup", "Sign-up", "Created the company when signing up."),
            ("invitation", "Invitation", "Accepted an invitation from a company administrator."),
            ("transfer", "Transfer", "Moved over from a related company."),
        ],
    ),
}

# Prices in AUD per month, excluding GST (Australia's TaxInclusive is false); no MaxUsers means
# no limit.
CUSTOMER_TIERS = [
    ("free", "Free", "For trying the product with a small team.", 2, "0.00"),
    ("starter", "Starter", "For small teams running a few events.", 5, "49.00"),
    ("professional", "Professional", "For growing teams running many events.", 25, "149.00"),
    ("enterprise", "Enterprise", "For large organisations; no user limit.", None, "499.00"),
]

# (key, category, type, value, min, max, description); SortOrder is the position within the
# category. The rate-limit keys are camelCase because the API reads them as JSON.
APP_SETTINGS = [
    ("auth.password_min_length", "authentication", "integer", 8, 8, 128, "Minimum number of characters in a password."),
    (
        "auth.password_expiry_days",
        "authentication",
        "integer",
        90,
        0,
        3650,
        "Days before a password must be changed; 0 disables expiry.",
    ),
    (
        "auth.password_require_mixed",
        "authentication",
        "boolean",
        True,
        None,
        None,
        "Whether a password must contain both letters and digits.",
    ),
    ("auth.access_token_minutes", "authentication", "integer", 15, 1, 1440, "Lifetime of an access token in minutes."),
    ("auth.refresh_token_days", "authentication", "integer", 7, 1, 90, "Lifetime of a refresh token in days."),
    (
        "auth.email_verification_hours",
        "authentication",
        "integer",
        24,
        1,
        168,
        "Hours an email verification link stays valid.",
    ),
    (
        "auth.password_reset_minutes",
        "authentication",
        "integer",
        60,
        5,
        1440,
        "Minutes a password reset link stays valid.",
    ),
    (
        "security.max_failed_login_attempts",
        "security",
        "integer",
        5,
        1,
        100,
        "Failed sign-in attempts in a row that lock the account.",
    ),
    ("security.lockout_minutes", "security", "integer", 30, 1, 1440, "Minutes a locked account stays locked."),
    (
        "security.reauth_minutes",
        "security",
        "integer",
        10,
        1,
        1440,
        "Minutes a sign-in or re-authentication counts as recent for sensitive operations (step-up): "
        "revoking other sessions, changing the email address, MFA changes and closing the account.",
    ),
    (
        "security.rate_limits",
        "security",
        "json",
        # The throttles' own defaults, which they also use for a key a database's value lacks.
        dict(DEFAULT_RATES),
        None,
        None,
        "Requests allowed per period, by action: per client IP (signup, verifyEmailResend, login, "
        "passwordReset, abrSearch, mfaVerify; the email-sending ones also per address), per token "
        "(verifyEmail, passwordResetConfirm, tokenRefresh, secureAccount, emailChangeConfirm, and mfaVerify "
        "per mfaToken) or per signed-in user (passwordChange, reauthenticate, mfa, emailChange, accountExport, "
        "accountClose).",
    ),
    # A reserved domain (RFC 2606) until an administrator sets the production mailbox: mail
    # from a domain the company does not own would be spoofing someone else's.
    (
        "email.from_address",
        "email",
        "string",
        "no-reply@example.com",
        None,
        None,
        "Sender address of every email; set it to a no-reply mailbox of the production domain.",
    ),
    ("email.invitation_expiry_days", "email", "integer", 7, 1, 30, "Days an invitation stays open."),
    ("email.invitation_max_resends", "email", "integer", 3, 0, 10, "How many times one invitation can be resent."),
    (
        "email.invitation_resend_cooldown_minutes",
        "email",
        "integer",
        15,
        1,
        1440,
        "Minutes to wait between two resends of an invitation.",
    ),
    (
        "email.invitation_emails_per_recipient",
        "email",
        "integer",
        5,
        1,
        100,
        "Invitation emails one company may send one address within the window (first sends and resends, "
        "across cancelled and new invitations).",
    ),
    (
        "email.invitation_emails_window_hours",
        "email",
        "integer",
        24,
        1,
        720,
        "Hours over which email.invitation_emails_per_recipient is counted.",
    ),
    (
        "validation.abr_cache_days",
        "validation",
        "integer",
        90,
        1,
        365,
        "Days an Australian Business Register answer is reused before asking again.",
    ),
]

# The North American Numbering Plan, shared by the US and Canada.
NANP_PHONE = r"^(?:\+?1[ .-]?)?(?:\([2-9]\d{2}\)|[2-9]\d{2})[ .-]?[2-9]\d{2}[ .-]?\d{4}$"

# (country, rule type, rule name, pattern, error message, example, description); SortOrder is
# the position within the country.
VALIDATION_RULES = [
    (
        "AU",
        "phone",
        "mobile",
        r"^(?:\+61 ?|0)4\d{2} ?\d{3} ?\d{3}$",
        "Enter an Australian mobile number, such as 0412 345 678.",
        "0412 345 678",
        "Mobile number, national (04) or international (+61 4) form.",
    ),
    (
        "AU",
        "phone",
        "landline",
        r"^(?:\+61 ?[2378]|0[2378]|\(0[2378]\)) ?\d{4} ?\d{4}$",
        "Enter an Australian landline number with its area code, such as 02 9876 5432.",
        "02 9876 5432",
        "Landline number with area code 02, 03, 07 or 08.",
    ),
    (
        "AU",
        "postal_code",
        "postcode",
        r"^\d{4}$",
        "Enter a four-digit postcode, such as 2000.",
        "2000",
        "Australia Post postcode.",
    ),
    (
        "AU",
        "tax_id",
        "abn",
        r"^\d{2} ?\d{3} ?\d{3} ?\d{3}$",
        "Enter an 11-digit ABN, such as 51 824 753 556.",
        "51 824 753 556",
        "Australian Business Number.",
    ),
    (
        "AU",
        "tax_id",
        "acn",
        r"^\d{3} ?\d{3} ?\d{3}$",
        "Enter a 9-digit ACN, such as 000 000 019.",
        "000 000 019",
        "Australian Company Number (ASIC).",
    ),
    (
        "NZ",
        "phone",
        "phone",
        r"^(?:\+64 ?|0)[2-9](?:[ -]?\d){7,9}$",
        "Enter a New Zealand phone number, such as 09 123 4567.",
        "09 123 4567",
        "Mobile or landline number, national (0) or international (+64) form.",
    ),
    (
        "NZ",
        "postal_code",
        "postcode",
        r"^\d{4}$",
        "Enter a four-digit postcode, such as 6011.",
        "6011",
        "NZ Post postcode.",
    ),
    (
        "NZ",
        "tax_id",
        "gst_number",
        r"^\d{2,3}[ -]?\d{3}[ -]?\d{3}$",
        "Enter an 8- or 9-digit GST number, such as 49-091-850.",
        "49-091-850",
        "GST registration number (the business's IRD number).",
    ),
    (
        "NZ",
        "tax_id",
        "nzbn",
        r"^9429\d{9}$",
        "Enter a 13-digit NZBN starting with 9429, such as 9429036698363.",
        "9429036698363",
        "New Zealand Business Number.",
    ),
    (
        "GB",
        "phone",
        "phone",
        r"^(?:\+44 ?|0)[1-9](?: ?\d){8,9}$",
        "Enter a UK phone number, such as 020 7946 0958.",
        "020 7946 0958",
        "Mobile or landline number, national (0) or international (+44) form.",
    ),
    (
        "GB",
        "postal_code",
        "postcode",
        r"^(?:[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}|[Gg][Ii][Rr] ?0[Aa]{2})$",
        "Enter a UK postcode, such as SW1A 1AA.",
        "SW1A 1AA",
        "Royal Mail postcode.",
    ),
    (
        "GB",
        "tax_id",
        "vat_number",
        r"^(?:[Gg][Bb] ?)?\d{3} ?\d{4} ?\d{2}(?: ?\d{3})?$",
        "Enter a VAT registration number, such as GB 980 7806 84.",
        "GB 980 7806 84",
        "HMRC VAT registration number.",
    ),
    (
        "GB",
        "tax_id",
        "company_number",
        r"^(?:\d{8}|[A-Za-z]{2}\d{6})$",
        "Enter an 8-character company number, such as 00445790 or SC123456.",
        "00445790",
        "Companies House registration number.",
    ),
    (
        "US",
        "phone",
        "phone",
        NANP_PHONE,
        "Enter a US phone number, such as (201) 555-0123.",
        "(201) 555-0123",
        "Ten-digit number, optionally with the +1 country code.",
    ),
    (
        "US",
        "postal_code",
        "zip_code",
        r"^\d{5}(?:-\d{4})?$",
        "Enter a ZIP code, such as 20500 or 20500-0003.",
        "20500",
        "USPS ZIP or ZIP+4 code.",
    ),
    (
        "US",
        "tax_id",
        "ein",
        r"^\d{2}-?\d{7}$",
        "Enter a 9-digit EIN, such as 91-1144442.",
        "91-1144442",
        "IRS Employer Identification Number.",
    ),
    (
        "CA",
        "phone",
        "phone",
        NANP_PHONE,
        "Enter a Canadian phone number, such as (416) 555-0123.",
        "(416) 555-0123",
        "Ten-digit number, optionally with the +1 country code.",
    ),
    (
        "CA",
        "postal_code",
        "postal_code",
        r"^[ABCEGHJ-NPRSTVXYabceghj-nprstvxy]\d[ABCEGHJ-NPRSTV-Zabceghj-nprstv-z] ?"
        r"\d[ABCEGHJ-NPRSTV-Zabceghj-nprstv-z]\d$",
        "Enter a postal code, such as K1A 0B1.",
        "K1A 0B1",
        "Canada Post postal code.",
    ),
    (
        "CA",
        "tax_id",
        "business_number",
        r"^\d{3} ?\d{3} ?\d{3}$",
        "Enter a 9-digit business number, such as 123 456 782.",
        "123 456 782",
        "Canada Revenue Agency business number (BN).",
    ),
    (
        "CA",
        "tax_id",
        "gst_hst_number",
        r"^\d{9} ?[Rr][Tt] ?\d{4}$",
        "Enter a GST/HST number, such as 123456782 RT0001.",
        "123456782 RT0001",
        "Business number followed by its GST/HST program account (RT).",
    ),
]


class Command(BaseCommand):
    help = "Regenerate fixtures/*.json, the seed data loaded after migrate."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=settings.BASE_DIR / "fixtures",
            help="Directory to write the fixture files to (default: fixtures/ at the repository root).",
        )

    def handle(self, *args: Any, output: Path, **options: Any) -> None:
        if MISSING_DEV_TOOL is not None:
            raise missing_dev_tool("build_seed_fixtures", MISSING_DEV_TOOL)
        output.mkdir(parents=True, exist_ok=True)
        for name, rows in build_fixtures().items():
            (output / name).write_text(render_fixture(rows), encoding="utf-8")
            self.stdout.write(f"{name}: {len(rows)} rows")


def build_fixtures() -> dict[str, list[dict[str, Any]]]:
    """Return every fixture file's rows, keyed by file name."""
    fixtures = {
        "ref_country.json": country_rows(),
        "ref_language.json": language_rows(),
        "ref_industry.json": industry_rows(),
        "ref_customertier.json": customer_tier_rows(),
        "config_appsetting.json": app_setting_rows(),
        "config_validationrule.json": validation_rule_rows(),
    }
    for stem, (label, entries) in SMALL_REFERENCE_TABLES.items():
        fixtures[f"{stem}.json"] = [
            reference_row(label, code, display_name, description, position)
            for position, (code, display_name, description) in enumerate(entries, start=1)
        ]
    return dict(sorted(fixtures.items()))


def render_fixture(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


def reference_row(
    label: str,
    code: str,
    display_name: str,
    description: str,
    sort_order: int,
    is_active: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "model": label,
        "fields": {
            "code": code,
            "display_name": display_name,
            "description": description,
            "sort_order": sort_order,
            "is_active": is_active,
            **extra,
        },
    }


def country_rows() -> list[dict[str, Any]]:
    countries = sorted(pycountry.countries, key=lambda country: alphabetical(country_name(country)))
    rows = []
    for position, country in enumerate(countries, start=1):
        alpha_2 = country.alpha_2
        currency = territory_currency(alpha_2)
        configuration = COUNTRY_CONFIGURATION.get(alpha_2, {})
        calling_code = phonenumbers.country_code_for_region(alpha_2)  # 0 for uninhabited territories
        rows.append(
            reference_row(
                "reference.country",
                alpha_2.lower(),
                country_name(country),
                "",
                position,
                is_active=alpha_2 == ACTIVE_COUNTRY,
                country_code=alpha_2,
                country_code3=country.alpha_3,
                country_name=country_name(country),
                phone_prefix=f"+{calling_code}" if calling_code else "",
                currency_code=currency,
                currency_symbol=currency_symbol(currency, alpha_2) if currency else "",
                currency_name=get_currency_name(currency, locale="en") if currency else "",
                tax_rate=configuration.get("tax_rate"),
                tax_name=configuration.get("tax_name", ""),
                tax_inclusive=configuration.get("tax_inclusive", False),
                tax_number_label=configuration.get("tax_number_label", ""),
                company_validation_provider=configuration.get("company_validation_provider", ""),
                address_validation_provider=configuration.get("address_validation_provider", ""),
                integration_config=configuration.get("integration_config"),
            )
        )
    return sorted(rows, key=lambda row: row["fields"]["code"])


def country_name(country: Any) -> str:
    """Return ISO 3166's short name, or its common name where it has one ("South Korea")."""
    name: str = getattr(country, "common_name", None) or country.name
    return name


def alphabetical(name: str) -> tuple[str, str]:
    """Return a sort key that files "Åland Islands" under A, as a reader expects."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    return folded, name


def territory_currency(alpha_2: str) -> str:
    """Return the ISO 4217 code of the country's legal tender, or "" where it has none.

    Where several are legal tender, the country's own issue wins (its code starts with the
    country's alpha-2 code: BTN in Bhutan over INR), else the longest-standing one.
    """
    currencies = get_territory_currencies(alpha_2, CURRENCIES_AS_OF)
    own = [code for code in currencies if code.startswith(alpha_2)]
    return (own or currencies or [""])[0]


@functools.cache
def known_locales() -> frozenset[str]:
    return frozenset(localedata.locale_identifiers())


def currency_symbol(currency: str, alpha_2: str) -> str:
    """Return the symbol an English reader in the country sees: "$" in Australia, "A$" elsewhere.

    English is the product's only language, so the symbol is taken from CLDR's English locale
    for the country where there is one, and from plain English otherwise.
    """
    locale = f"en_{alpha_2}" if f"en_{alpha_2}" in known_locales() else "en"
    symbol: str = get_currency_symbol(currency, locale=locale)
    return symbol


def language_rows() -> list[dict[str, Any]]:
    english = Locale("en")
    languages = [language for language in pycountry.languages if hasattr(language, "alpha_2")]
    # CLDR's English names are the ones people use ("Greek", not ISO 639's "Modern Greek (1453-)").
    names = {language.alpha_2: english.languages.get(language.alpha_2, language.name) for language in languages}
    rows = []
    for position, code in enumerate(sorted(names, key=lambda code: alphabetical(names[code])), start=1):
        rows.append(
            reference_row(
                "reference.language",
                code,
                names[code],
                "",
                position,
                is_active=code == ACTIVE_LANGUAGE,
                language_code=code,
                language_name=names[code],
                native_name=native_language_name(code),
            )
        )
    return sorted(rows, key=lambda row: row["fields"]["code"])


def native_language_name(code: str) -> str:
    """Return the language's name in itself, capitalised for a list; "" where CLDR has none."""
    if code not in known_locales():
        return ""
    name: str = Locale(code).languages.get(code, "")
    return name[:1].upper() + name[1:]


def industry_rows() -> list[dict[str, Any]]:
    return [
        reference_row(
            "reference.industry",
            snake_case(name),
            name,
            f"ANZSIC 2006 division {letter}.",
            position,
            industry_code=letter,
            industry_name=name,
        )
        for position, (letter, name) in enumerate(ANZSIC_DIVISIONS, start=1)
    ]


def snake_case(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def customer_tier_rows() -> list[dict[str, Any]]:
    return [
        reference_row(
            "reference.customertier",
            code,
            display_name,
            description,
            position,
            max_users=max_users,
            monthly_price=monthly_price,
        )
        for position, (code, display_name, description, max_users, monthly_price) in enumerate(CUSTOMER_TIERS, 1)
    ]


def app_setting_rows() -> list[dict[str, Any]]:
    positions: dict[str, int] = {}
    rows = []
    for key, category, setting_type, value, minimum, maximum, description in APP_SETTINGS:
        positions[category] = positions.get(category, 0) + 1
        text = setting_text(value)
        rows.append(
            {
                "model": "configuration.appsetting",
                "fields": {
                    "setting_key": key,
                    "setting_value": text,
                    "default_value": text,
                    "category": [category],
                    "setting_type": [setting_type],
                    "description": description,
                    "min_value": None if minimum is None else str(minimum),
                    "max_value": None if maximum is None else str(maximum),
                    "is_editable": True,
                    "is_sensitive": False,
                    "sort_order": positions[category],
                },
            }
        )
    return sorted(rows, key=lambda row: row["fields"]["setting_key"])


def setting_text(value: object) -> str:
    """Return a setting value as stored in SettingValue: JSON for structures and booleans."""
    if isinstance(value, (bool, dict, list)):
        return json.dumps(value)
    return str(value)


def validation_rule_rows() -> list[dict[str, Any]]:
    positions: dict[str, int] = {}
    rows = []
    for country, rule_type, rule_name, pattern, error_message, example, description in VALIDATION_RULES:
        positions[country] = positions.get(country, 0) + 1
        rows.append(
            {
                "model": "configuration.validationrule",
                "fields": {
                    "country": [country.lower()],
                    "rule_type": [rule_type],
                    "rule_name": rule_name,
                    "validation_pattern": pattern,
                    "error_message": error_message,
                    "example_value": example,
                    "description": description,
                    "is_active": True,
                    "sort_order": positions[country],
                },
            }
        )
    return sorted(rows, key=lambda row: (row["fields"]["country"], row["fields"]["sort_order"]))
