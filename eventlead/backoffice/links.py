"""Links between back-office pages: from any row that names a user or a company to its page.

The user's page tells their whole story (memberships, sessions, auth events, audit trail,
emails, invitations), so every list that names a user links there: one click from a log row
to the user, one more to anything on their page.

In a ``list_display``, ``linked("user")`` replaces the plain ``"user"`` column; the admin must
``list_select_related`` the relation, as it already does for the plain column. The column is
not sortable: ordering a log of millions of rows by a joined name would be its slowest query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

SITE_NAME = "admin"
NONE = "—"


def change_url(model: type[models.Model], pk: int | str | uuid.UUID, *, site_name: str = SITE_NAME) -> str:
    """The admin change page of ``model``'s row ``pk``; "" when the model has no admin page."""
    name = f"{site_name}:{model._meta.app_label}_{model._meta.model_name}_change"
    try:
        return reverse(name, args=[quote(pk)], current_app=site_name)
    except NoReverseMatch:
        return ""


def changelist_url(model: type[models.Model], query: str = "", *, site_name: str = SITE_NAME) -> str:
    """The admin list of ``model`` with an (already encoded) query string, e.g. ``"user__id__exact=5"``."""
    opts = model._meta
    url = reverse(f"{site_name}:{opts.app_label}_{opts.model_name}_changelist", current_app=site_name)
    return f"{url}?{query}" if query else url


def user_change_url(user_id: int, *, site_name: str = SITE_NAME) -> str:
    """The page of the user ``user_id``: their whole story."""
    from accounts.models import User

    return change_url(User, user_id, site_name=site_name)


def object_link(row: models.Model | None, *, site_name: str = SITE_NAME) -> SafeString | None:
    """``row`` as a link to its admin page (escaped); None for no row, so the admin shows its empty value."""
    if row is None:
        return None
    url = change_url(type(row), row.pk, site_name=site_name)
    return format_html('<a href="{}">{}</a>', url, row) if url else format_html("{}", row)


def user_link(user: models.Model | None, *, site_name: str = SITE_NAME) -> SafeString | None:
    """The user as a link to their page; None when the row names no user."""
    return object_link(user, site_name=site_name)


def linked(field: str, description: str | None = None) -> Callable[[Any], str]:
    """A ``list_display`` column showing the row's ``field`` (a foreign key) as a link to its page.

    A reference without a constraint (``logging_app.models.loose_fk``) may name a row that is
    not there: its id is shown, unlinked. No reference at all shows ``NONE``.
    """

    @admin.display(description=description or field.replace("_", " ").capitalize())
    def column(row: Any) -> str:
        related = getattr(row, field)
        if related is None:
            related_id = getattr(row, f"{field}_id", None)
            return NONE if related_id is None else f"#{related_id}"
        return object_link(related) or NONE

    column.__name__ = f"{field}_link"
    return column
