"""Changes to runtime settings and validation rules, each recorded in ``audit.ActivityLog``.

A setting saved here is live at once in this process (the settings cache is cleared when
the transaction commits) and in every other process within ``settings_store.CACHE_SECONDS``,
when their caches next reload: no restart. A validation rule is read from the database on
each request (``companies.validation``), so a change applies to the next request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction

from auditing.services import activity_record, snapshot
from reference.models import SettingType

from .models import AppSetting, ValidationRule
from .settings_store import SettingValueError, clear_cache, parse_value

if TYPE_CHECKING:
    from accounts.models import User

MASK = "********"
ACTION_SETTING_CHANGED = "setting_changed"
ACTION_RULE_CREATED = "validation_rule_created"
ACTION_RULE_CHANGED = "validation_rule_changed"
ACTION_RULE_DELETED = "validation_rule_deleted"

MESSAGE_NOT_EDITABLE = "This setting is not editable (IsEditable is off)."
MESSAGE_WRONG_TYPE = "Enter a valid {type} value: this setting's SettingType is {type}. {detail}"
MESSAGE_BELOW_MIN = "Enter {limit} or more: this setting's MinValue is {limit}."
MESSAGE_ABOVE_MAX = "Enter {limit} or less: this setting's MaxValue is {limit}."
MESSAGE_PATTERN_INVALID = "This is not a valid regular expression: {error}."
MESSAGE_EXAMPLE_MISMATCH = "The example value does not match the pattern."
MESSAGE_RATE_LIMITS = (
    'Enter a JSON object of rates by action, such as {"login": "10/min", "passwordReset": "5/hour"}: '
    "each rate is a whole number of requests, a slash, and sec, min, hour or day."
)
MESSAGE_TRY_PASSES = "“{value}” passes the rule “{rule}”."
MESSAGE_TRY_FAILS = "“{value}” does not pass the rule “{rule}”; the API would answer: {message}"

# Audit rows leave out the bookkeeping columns every save changes.
_UNAUDITED_COLUMNS = {"UpdatedDate", "UpdatedBy"}

# A DRF throttle rate ("10/min"): DRF reads only the period's first letter, so "5/hour" and "5/h" agree.
_RATE = re.compile(r"[0-9]+/(?:s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?)", re.ASCII)


# Application settings -------------------------------------------------------------------------


def _rate_limits_check(value: object) -> None:
    """``security.rate_limits``: an object of rates, so no throttle meets a rate it cannot read."""
    rates = value if isinstance(value, dict) else None
    if rates is None or not all(isinstance(rate, str) and _RATE.fullmatch(rate) for rate in rates.values()):
        raise ValidationError(MESSAGE_RATE_LIMITS, code="rate_limits")


# Checks of a setting's value beyond its type and range, by key.
_VALUE_CHECKS = {"security.rate_limits": _rate_limits_check}


def limit_text(limit: Decimal) -> str:
    """``1.0000`` as ``1``, ``0.2500`` as ``0.25``: limits as the admin would type them."""
    return format(limit.normalize(), "f")


def setting_value_clean(*, setting: AppSetting, raw: str) -> str:
    """Return the text to store for ``raw``; raise ``ValidationError`` naming the rule it breaks.

    The value must parse as the setting's ``SettingType``; numbers must also lie within
    ``MinValue``/``MaxValue`` where those are set. Booleans are stored as ``true``/``false``.
    """
    kind = setting.setting_type.code
    text = raw if kind == SettingType.STRING else raw.strip()
    try:
        value = parse_value(kind, text)
    except SettingValueError as error:
        raise ValidationError(MESSAGE_WRONG_TYPE.format(type=kind, detail=error), code="setting_type") from None
    if kind in (SettingType.INTEGER, SettingType.DECIMAL):
        if setting.min_value is not None and value < setting.min_value:
            raise ValidationError(MESSAGE_BELOW_MIN.format(limit=limit_text(setting.min_value)), code="min_value")
        if setting.max_value is not None and value > setting.max_value:
            raise ValidationError(MESSAGE_ABOVE_MAX.format(limit=limit_text(setting.max_value)), code="max_value")
    check = _VALUE_CHECKS.get(setting.setting_key)
    if check is not None:
        check(value)
    if kind == SettingType.BOOLEAN:
        return "true" if value else "false"
    return text


def setting_value_display(setting: AppSetting, raw: str) -> str:
    """The value as the back office and the audit trail may show it: masked when sensitive."""
    return MASK if setting.is_sensitive and raw else raw


@transaction.atomic
def app_setting_update(*, setting: AppSetting, value: str, actor: User) -> AppSetting:
    """Store a new value for ``setting`` and record who changed it from what to what.

    The row is locked while it changes, so two admins saving at once are recorded in turn,
    each with the value the other left as its old value.
    """
    setting = AppSetting.objects.select_for_update().select_related("setting_type").get(pk=setting.pk)
    if not setting.is_editable:
        raise ValidationError(MESSAGE_NOT_EDITABLE, code="not_editable")
    new = setting_value_clean(setting=setting, raw=value)
    old = setting.setting_value
    if new == old:
        return setting
    setting.setting_value = new
    setting.updated_by = actor
    setting.full_clean()
    setting.save(update_fields=["setting_value", "updated_by", "updated_date"])
    activity_record(
        action=ACTION_SETTING_CHANGED,
        entity=setting,
        actor=actor,
        description=f"Changed {setting.setting_key}",
        old_values={"SettingKey": setting.setting_key, "SettingValue": setting_value_display(setting, old)},
        new_values={"SettingKey": setting.setting_key, "SettingValue": setting_value_display(setting, new)},
    )
    transaction.on_commit(clear_cache)
    return setting


def app_setting_reset(*, setting: AppSetting, actor: User) -> AppSetting:
    """Put ``setting`` back to its ``DefaultValue`` (recorded like any other change)."""
    return app_setting_update(setting=setting, value=setting.default_value, actor=actor)


# Validation rules -----------------------------------------------------------------------------


def validation_pattern_check(*, pattern: str, example_value: str) -> None:
    """Raise ``ValidationError`` (by field) unless ``pattern`` compiles and the example matches it.

    Matching is ``re.fullmatch``, as ``companies.validation`` applies rules to input.
    """
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ValidationError({"validation_pattern": MESSAGE_PATTERN_INVALID.format(error=error)}) from None
    if example_value and compiled.fullmatch(example_value) is None:
        raise ValidationError({"example_value": MESSAGE_EXAMPLE_MISMATCH})


def validation_rule_try(*, rule: ValidationRule, value: str) -> tuple[bool, str]:
    """Say whether ``value`` passes ``rule`` alone, in a sentence for the admin."""
    passes = re.fullmatch(rule.validation_pattern, value) is not None
    template = MESSAGE_TRY_PASSES if passes else MESSAGE_TRY_FAILS
    return passes, template.format(value=value, rule=rule.rule_name, message=rule.error_message)


def _changes(
    old: Mapping[str, object] | None, new: Mapping[str, object]
) -> tuple[dict[str, object] | None, dict[str, object]]:
    keys = [key for key in new if key not in _UNAUDITED_COLUMNS and (old is None or old.get(key) != new[key])]
    return (None if old is None else {key: old.get(key) for key in keys}), {key: new[key] for key in keys}


@transaction.atomic
def validation_rule_save(*, rule: ValidationRule, actor: User) -> ValidationRule:
    """Create or change a rule after checking its pattern and example; record the change."""
    validation_pattern_check(pattern=rule.validation_pattern, example_value=rule.example_value)
    created = rule.pk is None
    before = None if created else snapshot(ValidationRule.objects.select_for_update().get(pk=rule.pk))
    if created:
        rule.created_by = actor
    rule.updated_by = actor
    rule.full_clean()
    rule.save()
    old_values, new_values = _changes(before, snapshot(rule))
    if created or new_values:
        activity_record(
            action=ACTION_RULE_CREATED if created else ACTION_RULE_CHANGED,
            entity=rule,
            actor=actor,
            description=f"{'Added' if created else 'Changed'} validation rule {rule.rule_name}",
            old_values=old_values,
            new_values=new_values,
        )
    return rule


@transaction.atomic
def validation_rule_delete(*, rule: ValidationRule, actor: User) -> None:
    activity_record(
        action=ACTION_RULE_DELETED,
        entity=rule,
        actor=actor,
        description=f"Deleted validation rule {rule.rule_name}",
        old_values=snapshot(rule),
    )
    rule.delete()
