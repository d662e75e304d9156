"""Typed, cached access to ``config.AppSetting``: the one way code reads a runtime setting.

Values are cached per process for ``CACHE_SECONDS`` so a request does not query them, and an
admin's change is live in every process within that time (no restart). A change saved in
this process clears the cache at once.
"""

from __future__ import annotations

import json
import threading
import time
from decimal import Decimal, InvalidOperation

from reference.models import SettingType

CACHE_SECONDS = 5.0

_lock = threading.Lock()
_values: dict[str, object] = {}
_loaded_at = 0.0


class SettingValueError(ValueError):
    """A value that does not parse as its setting type."""


def parse_value(setting_type: str, raw: str):
    """Parse a stored text value into its Python type; raise ``SettingValueError`` if it does not fit."""
    text = (raw or "").strip()
    try:
        if setting_type == SettingType.INTEGER:
            return int(text)
        if setting_type == SettingType.DECIMAL:
            return Decimal(text)
        if setting_type == SettingType.BOOLEAN:
            lowered = text.lower()
            if lowered in {"true", "1", "yes", "on"}:
                return True
            if lowered in {"false", "0", "no", "off"}:
                return False
            raise SettingValueError(f"{raw!r} is not a boolean (use true or false).")
        if setting_type == SettingType.JSON:
            return json.loads(text)
        return raw
    except (ValueError, InvalidOperation) as error:
        if isinstance(error, SettingValueError):
            raise
        raise SettingValueError(f"{raw!r} is not a valid {setting_type}.") from error


def _load() -> dict[str, object]:
    from .models import AppSetting

    rows = AppSetting.objects.values_list("setting_key", "setting_value", "setting_type__code")
    return {key: parse_value(kind, value) for key, value, kind in rows}


def get_setting(key: str):
    """Return the typed value of setting ``key``; ``KeyError`` if it does not exist."""
    global _loaded_at, _values
    now = time.monotonic()
    if now - _loaded_at > CACHE_SECONDS:
        with _lock:
            if now - _loaded_at > CACHE_SECONDS:
                _values = _load()
                _loaded_at = time.monotonic()
    return _values[key]


def clear_cache() -> None:
    global _loaded_at
    with _lock:
        _loaded_at = 0.0
