"""Password rules read from ``config.AppSetting`` at request time."""

from django.core.exceptions import ValidationError

from configuration.settings_store import get_setting

MESSAGE_TOO_SHORT = "Use at least %(min_length)d characters."
MESSAGE_NEEDS_MIXED = "Use both letters and digits."


class SettingMinimumLengthValidator:
    """At least ``auth.password_min_length`` characters."""

    def validate(self, password, user=None):
        min_length = get_setting("auth.password_min_length")
        if len(password) < min_length:
            raise ValidationError(MESSAGE_TOO_SHORT, code="password_too_short", params={"min_length": min_length})

    def get_help_text(self):
        return MESSAGE_TOO_SHORT % {"min_length": get_setting("auth.password_min_length")}


class SettingLettersAndDigitsValidator:
    """Letters and digits both, when ``auth.password_require_mixed`` is on."""

    def validate(self, password, user=None):
        if not get_setting("auth.password_require_mixed"):
            return
        if not (any(c.isalpha() for c in password) and any(c.isdigit() for c in password)):
            raise ValidationError(MESSAGE_NEEDS_MIXED, code="password_not_mixed")

    def get_help_text(self):
        return MESSAGE_NEEDS_MIXED
