"""Company input checked against ``config.ValidationRule`` for the country, read at request time.

A value passes when it matches any active rule of its type (AU phone: mobile or landline),
so a rule an admin adds applies to the next request. AU numbers also get their check digits
verified with python-stdnum.
"""

import re

from stdnum.au import abn as stdnum_abn
from stdnum.au import acn as stdnum_acn

from configuration.models import ValidationRule

MESSAGE_ABN_CHECKSUM = "This ABN's check digits are wrong."
MESSAGE_ACN_CHECKSUM = "This ACN's check digits are wrong."

# field -> (rule type, rule name or None for any rule of the type)
FIELD_RULES = {
    "phone": ("phone", None),
    "postal_code": ("postal_code", None),
    "abn": ("tax_id", "abn"),
    "acn": ("tax_id", "acn"),
    "billing_phone": ("phone", None),
    "billing_postal_code": ("postal_code", None),
    "public_phone": ("phone", None),
}


def _rules(country_id: int) -> list[ValidationRule]:
    return list(ValidationRule.objects.filter(country_id=country_id, is_active=True).select_related("rule_type"))


def validate_for_country(values: dict, *, country_id: int, country_code: str) -> dict[str, list[str]]:
    """Return ``{field: [messages]}`` for the values that break their country's rules."""
    rules = _rules(country_id)
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if field not in FIELD_RULES or value in (None, ""):
            continue
        rule_type, rule_name = FIELD_RULES[field]
        applicable = [
            rule
            for rule in rules
            if rule.rule_type.code == rule_type and (rule_name is None or rule.rule_name == rule_name)
        ]
        if applicable and not any(re.fullmatch(rule.validation_pattern, value) for rule in applicable):
            errors[field] = [applicable[0].error_message]
    if country_code == "AU":
        if values.get("abn") and "abn" not in errors and not stdnum_abn.is_valid(values["abn"]):
            errors["abn"] = [MESSAGE_ABN_CHECKSUM]
        if values.get("acn") and "acn" not in errors and not stdnum_acn.is_valid(values["acn"]):
            errors["acn"] = [MESSAGE_ACN_CHECKSUM]
    return errors


def compact_number(value: str | None) -> str | None:
    """ABN/ACN as stored: digits only."""
    return re.sub(r"\D", "", value) if value else value
