"""Reads of reference rows."""

from django.db.models import Model

_ids: dict[tuple[str, str], int] = {}


def reference_id(model: type[Model], code: str) -> int:
    """Return the primary key of the ``ref`` row with ``code``, cached per process.

    Codes are stable and rows in use cannot be deleted, so the mapping only changes when the
    tables are emptied and reseeded; the seeding step calls ``clear_reference_ids``.
    """
    key = (model._meta.label, code)
    if key not in _ids:
        _ids[key] = model._default_manager.values_list("pk", flat=True).get(code=code)
    return _ids[key]


def clear_reference_ids() -> None:
    _ids.clear()
