"""Admin forms for settings and validation rules; every rule they apply lives in ``services``."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError

from reference.models import SettingType

from . import services
from .models import AppSetting, ValidationRule

MESSAGE_NOT_AN_OBJECT = 'Enter a JSON object, such as {"provider": "abr"}, or leave it empty.'
HELP_KEEP_SENSITIVE = "This value is secret and not shown. Leave it blank to keep it."


class JSONObjectField(forms.JSONField):
    """JSON text that must be an object (or nothing), shown indented for editing."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, cls=self.encoder)

    def validate(self, value):
        super().validate(value)
        if value is not None and not isinstance(value, dict):
            raise ValidationError(MESSAGE_NOT_AN_OBJECT, code="not_an_object")


def _setting_help(setting: AppSetting) -> str:
    kind = setting.setting_type.code
    parts = [f"Type: {kind}."]
    if kind in (SettingType.INTEGER, SettingType.DECIMAL):
        if setting.min_value is not None:
            parts.append(f"Minimum {services.limit_text(setting.min_value)}.")
        if setting.max_value is not None:
            parts.append(f"Maximum {services.limit_text(setting.max_value)}.")
    if kind == SettingType.BOOLEAN:
        parts.append("Enter true or false.")
    if setting.is_sensitive:
        parts.append(HELP_KEEP_SENSITIVE)
    else:
        parts.append(f"Default: {setting.default_value}.")
    return " ".join(parts)


class AppSettingForm(forms.ModelForm):
    """The value of one setting, checked against its type and range."""

    class Meta:
        model = AppSetting
        fields = ("setting_value",)
        labels = {"setting_value": "Value"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "setting_value" not in self.fields:
            return  # a view-only page: the value is shown read-only (and masked) by the admin
        setting, field = self.instance, self.fields["setting_value"]
        field.help_text = _setting_help(setting)
        if setting.is_sensitive:
            field.required = False
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
        elif setting.setting_type.code == SettingType.JSON:
            field.widget = forms.Textarea(attrs={"rows": 6, "cols": 80})
        else:
            field.widget = forms.TextInput(attrs={"size": 40})

    def clean_setting_value(self):
        raw = self.cleaned_data["setting_value"]
        if self.instance.is_sensitive and raw == "":
            return self.instance.setting_value  # blank keeps the secret
        return services.setting_value_clean(setting=self.instance, raw=raw)


class ValidationRuleForm(forms.ModelForm):
    """A rule, with its pattern compiled and its example matched, and a sample to try."""

    try_value = forms.CharField(
        label="Try a value",
        required=False,
        max_length=200,
        help_text="Checked against this rule's pattern when you save; the result is shown at the top of the page.",
    )

    class Meta:
        model = ValidationRule
        fields = (
            "country",
            "rule_type",
            "rule_name",
            "validation_pattern",
            "error_message",
            "example_value",
            "description",
            "is_active",
            "sort_order",
        )
        widgets = {"validation_pattern": forms.TextInput(attrs={"size": 80})}

    def clean(self):
        cleaned = super().clean()
        pattern = cleaned.get("validation_pattern")
        if pattern is not None:
            try:
                services.validation_pattern_check(pattern=pattern, example_value=cleaned.get("example_value") or "")
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned
