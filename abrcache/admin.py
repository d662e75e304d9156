"""``cache.ABRSearch`` in the back office: a read-only list of cached ABR answers, with purging.

Django 5.2's admin cannot register this model: its primary key is composite (SearchType,
SearchValue), and ``AdminSite.register`` refuses such models (ImproperlyConfigured) because
the admin's URLs carry a single key. So the list is a page of our own on the admin site,
behind the same access check, and listed on the index under "ABR cache".
"""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from auditing.services import activity_record
from eventlead.backoffice.options import EstimatedCountPaginator
from eventlead.backoffice.site import BackOfficeSite, PageLink
from eventlead.core.exceptions import ValidationFailed

from .models import ABRSearch, SearchType
from .services import abr_cache_purge, normalise_search_value

PER_PAGE = 50
PURGE_EXPIRED, PURGE_ABN, PURGE_ALL = "expired", "abn", "all"
MESSAGE_ABN_NEEDED = "Enter the ABN whose cached entries should be removed."
SCOPE_CHOICES = (
    (PURGE_EXPIRED, "Expired entries"),
    (PURGE_ABN, "Every entry for one ABN (a withdrawn record)"),
    (PURGE_ALL, "All entries"),
)


class PurgeForm(forms.Form):
    scope = forms.ChoiceField(label="Remove", choices=SCOPE_CHOICES)
    abn = forms.CharField(label="ABN", required=False, max_length=20)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == PURGE_ABN:
            if not cleaned.get("abn"):
                self.add_error("abn", MESSAGE_ABN_NEEDED)
            else:
                try:
                    cleaned["abn"] = normalise_search_value(search_type=SearchType.ABN, value=cleaned["abn"])
                except ValidationFailed as error:
                    self.add_error("abn", " ".join(sum(error.fields.values(), [])))
        return cleaned


def _purge(request, form: PurgeForm) -> int:
    scope = form.cleaned_data["scope"]
    abn = form.cleaned_data["abn"] if scope == PURGE_ABN else None
    removed = abr_cache_purge(expired_only=scope == PURGE_EXPIRED, abn=abn)
    activity_record(
        action="abr_cache_purged",
        entity="ABRSearch",
        actor=request.user,
        description=f"Purged the ABR cache: {dict(SCOPE_CHOICES)[scope].lower()}",
        new_values={"scope": scope, "abn": abn, "removed": removed},
    )
    return removed


def abr_search_list(request):
    """List cached ABR answers (newest first, filter by type, search by value); purge on POST."""
    site = admin.site
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        removed = _purge(request, form)
        messages.success(request, f"Removed {removed} cached ABR entr{'ies' if removed != 1 else 'y'}.")
        return HttpResponseRedirect(request.get_full_path())

    entries = ABRSearch.objects.order_by("-expires_at")  # IX_ABRSearch_ExpiresAt
    search_type = request.GET.get("type")
    if search_type in SearchType.values:
        entries = entries.filter(search_type=search_type)
    query = request.GET.get("q", "").strip()
    if query:
        entries = entries.filter(search_value__icontains=query.casefold())
    page = EstimatedCountPaginator(entries, PER_PAGE).get_page(request.GET.get("p"))
    request.current_app = site.name
    return TemplateResponse(
        request,
        "admin/abrcache/abrsearch_list.html",
        {
            **site.each_context(request),
            "title": "Cached ABR searches",
            "page": page,
            "form": form,
            "search_types": SearchType.choices,
            "search_type": search_type,
            "query": query,
        },
    )


# The default site is BackOfficeSite (BackOfficeAdminConfig.default_site); its stub type is AdminSite.
cast(BackOfficeSite, admin.site).register_page(
    route="abrcache/abrsearch/",
    view=abr_search_list,
    link=PageLink(app_label="abrcache", name="ABR searches", url_name="abrcache_abrsearch_changelist"),
)
