"""Building blocks of the back office's model admins.

Read-only logs that stay fast at millions of rows (``LogAdmin``), tables whose rows cannot
be deleted while other rows refer to them (``InUseProtectedAdmin``), and form details.
"""

from __future__ import annotations

import copy
import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Max, Min, ProtectedError, Q, QuerySet, RestrictedError
from django.http import HttpResponseBadRequest, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import get_text_list

from eventlead.db.estimates import table_row_estimate

from . import exports as exports_module

# Addresses typed without a scheme get https:// (Django 6's default, chosen now).
HTTPS_URL_FIELDS: Mapping[type[models.Field[Any, Any]], Mapping[str, Any]] = {
    models.URLField: {"assume_scheme": "https"}
}


def https_formfield(field, **kwargs):
    """``ModelForm.Meta.formfield_callback`` for forms declared outside an admin (same choice)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


def editable_fields(fieldsets, readonly_fields=()) -> tuple[str, ...]:
    """The fields a fieldset layout lets an admin edit: a ModelForm's explicit ``Meta.fields``.

    Naming the fields, rather than excluding some, keeps a column added later (a token, a hash)
    off the form until someone puts it in a fieldset.
    """
    readonly = set(readonly_fields)
    return tuple(name for name in flatten_fieldsets(fieldsets) if name not in readonly)


MESSAGE_EXPORT_FORMAT = "Choose an export format: csv or jsonl."
MESSAGE_EXPORT_FILTERS = "These filters do not apply to this list: nothing was exported."

MESSAGE_IN_USE = (
    "{rows} cannot be deleted: still used by {users}. "
    "Untick “Active” instead: an inactive row stays on the records that use it but is no longer offered."
)


class NoRelatedEditingMixin:
    """Foreign-key widgets without their add, change and delete buttons (the view one stays).

    Reference rows are edited on their own pages, not from a popup on a user's or company's.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
        return formfield


# Counting large tables ------------------------------------------------------------------------


class EstimatedCountPaginator(Paginator):
    """Page through a large table without ``COUNT(*)`` over all of it.

    An unfiltered list of a big PostgreSQL table takes the planner's estimate; anything else
    is counted up to ``count_cap`` rows (``SELECT COUNT(*) FROM (... LIMIT cap)``), so the
    cost of a page does not grow with the table. Past the cap the page links stop at the
    cap: narrow the list with the date hierarchy, a filter or a search to reach older rows.
    """

    count_cap = 10_000

    @cached_property
    def count(self):
        rows = self.object_list
        if not rows.query.where and not rows.query.distinct:
            estimate = table_row_estimate(rows.model, rows.db)
            if estimate is not None and estimate > self.count_cap:
                return estimate
        return rows.order_by()[: self.count_cap].count()


class CalendarQuerySet(QuerySet):
    """A queryset whose ``dates()``/``datetimes()`` list every period from its first row to its last.

    The admin's date hierarchy asks for the years, months or days that have rows, which
    Django answers with ``SELECT DISTINCT date_trunc(...)`` over every matching row: over a
    second per page at a million rows. The first and last dates (MIN and MAX) come from the
    date column's index instead; the periods between them are listed from the calendar, so a
    period without rows leads to an empty page rather than being left out.
    """

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        return self._periods(field_name, kind, order, to_local=True)

    def dates(self, field_name, kind, order="ASC"):
        return self._periods(field_name, kind, order, to_local=False)

    def _periods(self, field_name, kind, order, *, to_local):
        bounds = self.order_by().aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        first, last = (
            timezone.localtime(value).date() if to_local and isinstance(value, datetime.datetime) else value
            for value in (bounds["first"], bounds["last"])
        )
        periods = list(_calendar(first, last, kind))
        if to_local:
            periods = [timezone.make_aware(datetime.datetime.combine(day, datetime.time())) for day in periods]
        return periods if order == "ASC" else periods[::-1]


def _calendar(first: datetime.date, last: datetime.date, kind: str):
    """The first day of each year, month or day from ``first`` to ``last``."""
    if kind == "year":
        yield from (datetime.date(year, 1, 1) for year in range(first.year, last.year + 1))
    elif kind == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            yield datetime.date(year, month, 1)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    elif kind == "day":
        yield from (first + datetime.timedelta(days=n) for n in range((last - first).days + 1))
    else:
        raise ValueError(f"No calendar for {kind!r}.")


# Read-only logs -----------------------------------------------------------------------------


class ReadOnlyPermissionsMixin:
    """Anyone in the back office may read these rows; nobody, superuser included, may alter them.

    ``User.has_perm`` grants a system admin everything, so the three write permissions are
    refused here rather than through Django's permission tables.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyPermissionsMixin, admin.ModelAdmin):
    """A model admin whose rows can be read but never added, changed or deleted."""


class LogAdmin(ReadOnlyAdmin):
    """A ``log`` or ``audit`` table: read-only, newest first, no full count, indexed searches,
    and a date hierarchy drawn from the first and last dates (``CalendarQuerySet``).

    The search box takes a request id (UUID), an email address or free text: an id or an
    address is looked up exactly on its (indexed) column, anything else goes to
    ``search_fields`` as usual.
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # The changelist with "Export CSV" and "Export JSON Lines" of the rows it lists.
    change_list_template = "admin/log_change_list.html"
    # The primary key follows insertion order: newest first straight from its index.
    ordering = ("-id",)
    list_per_page = 50
    request_id_field: str | None = "request_id"
    email_search_fields: tuple[str, ...] = ()
    search_help_text = "A request id, an email address, or text"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return CalendarQuerySet(model=rows.model, query=rows.query.chain(), using=rows._db, hints=rows._hints)

    def get_urls(self):
        if not exports_module.exportable(self.model):
            return super().get_urls()
        opts = self.model._meta
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name=f"{opts.app_label}_{opts.model_name}_export",
        )
        return [export, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        if not exports_module.exportable(self.model):
            return super().changelist_view(request, extra_context)
        opts = self.model._meta
        site = self.admin_site.name
        url = reverse(f"{site}:{opts.app_label}_{opts.model_name}_export", current_app=site)
        filters = request.GET.copy()
        exports = []
        for export_format in exports_module.FORMATS.values():
            filters["format"] = export_format.name
            exports.append((export_format, f"{url}?{filters.urlencode()}"))
        return super().changelist_view(request, {"exports": exports, **(extra_context or {})})

    def export_view(self, request):
        """Stream the rows the changelist lists (its filters, drill-down and search) as CSV or JSON Lines."""
        export_format = exports_module.FORMATS.get(request.GET.get("format", ""))
        if export_format is None:
            return HttpResponseBadRequest(MESSAGE_EXPORT_FORMAT)
        filters = {key: value for key, value in request.GET.items() if key not in exports_module.NOT_FILTERS}
        changelist_request = copy.copy(request)
        changelist_request.GET = request.GET.copy()
        changelist_request.GET.pop("format", None)
        try:
            rows = self._export_changelist(changelist_request).queryset
        except IncorrectLookupParameters:
            return HttpResponseBadRequest(MESSAGE_EXPORT_FILTERS)
        exports_module.export_record(
            model=self.model, export_format=export_format, filters=filters, actor=request.user, via="back office"
        )
        columns = exports_module.table_columns(self.model)
        response = StreamingHttpResponse(
            exports_module.lines(export_format, columns, exports_module.rows_of(rows, columns)),
            content_type=export_format.content_type,
        )
        filename = exports_module.export_filename(self.model, filters, export_format, timezone.now())
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def _export_changelist(self, request):
        """The changelist's own filtering, without the count and the page it would also read."""
        request.exporting = True
        return self.get_changelist_instance(request)

    def get_changelist(self, request, **kwargs):
        changelist_class = super().get_changelist(request, **kwargs)
        if getattr(request, "exporting", False):
            return type("ExportChangeList", (changelist_class,), {"get_results": _no_results})
        return changelist_class

    def get_search_results(self, request, queryset, search_term):
        from accounts.models import normalize_email

        term = search_term.strip()
        if self.request_id_field:
            try:
                return queryset.filter(**{self.request_id_field: uuid.UUID(term)}), False
            except ValueError:
                pass
        if "@" in term and " " not in term and self.email_search_fields:
            email = normalize_email(term)
            matches = Q.create([(field, email) for field in self.email_search_fields], connector=Q.OR)
            return queryset.filter(matches), False
        return super().get_search_results(request, queryset, search_term)


def _no_results(changelist, request):
    """An export reads its rows itself, as a stream: no count, no page."""


# Rows in use ----------------------------------------------------------------------------------


def in_use_by(model, pks) -> list[str]:
    """Name the tables whose rows refer to any of ``pks`` (one EXISTS query per reference).

    Asking before deleting avoids Django's deletion collector, which loads every referring
    row, and for a status used by a million users would read them all.
    """
    users = []
    for relation in model._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and (relation.one_to_many or relation.one_to_one)):
            continue
        related = relation.related_model
        if related._base_manager.filter(**{f"{relation.field.name}__in": list(pks)}).exists():
            name = str(related._meta.verbose_name_plural)
            if name not in users:
                users.append(name)
    return users


def _in_use_message(model, rows, users) -> str:
    names = get_text_list([f"“{row}”" for row in rows], "and")
    rows = f"{model._meta.verbose_name.capitalize()} {names}"
    return MESSAGE_IN_USE.format(rows=rows, users=get_text_list(users, "and"))


# Django's delete_selected carries its description, which its stub does not declare.
@admin.action(permissions=("delete",), description=delete_selected.short_description)  # type: ignore[attr-defined]
def delete_unused_selected(modeladmin, request, queryset):
    """Django's "Delete selected" when none of the rows is in use; otherwise say why not."""
    rows = list(queryset)
    users = modeladmin.rows_in_use(rows)
    if users:
        modeladmin.message_user(request, _in_use_message(modeladmin.model, rows, users), messages.ERROR)
        return None
    try:
        return delete_selected(modeladmin, request, queryset)
    except (ProtectedError, RestrictedError):
        # A row became used between the check and the delete.
        modeladmin.message_user(request, _in_use_message(modeladmin.model, rows, ["other records"]), messages.ERROR)
        return None


class InUseProtectedAdmin(admin.ModelAdmin):
    """Refuse, with a message that suggests deactivating, to delete a row other rows refer to."""

    def rows_in_use(self, rows) -> list[str]:
        """Name what still uses any of ``rows``; empty when they may be deleted."""
        return in_use_by(self.model, [row.pk for row in rows])

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _, name, description = actions["delete_selected"]
            actions[name] = (delete_unused_selected, name, description)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_delete_permission(request, obj):
            users = self.rows_in_use([obj])
            if users:
                return self._refuse(request, obj, users)
        try:
            return super().delete_view(request, object_id, extra_context)
        except (ProtectedError, RestrictedError):
            return self._refuse(request, obj, ["other records"])

    def _refuse(self, request, obj, users):
        self.message_user(request, _in_use_message(self.model, [obj], users), messages.ERROR)
        opts = self.model._meta
        return HttpResponseRedirect(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk], current_app=self.admin_site.name)
        )
