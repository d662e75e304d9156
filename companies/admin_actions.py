"""What the back office does to companies: edit with an audit snapshot, refresh ABR details."""

from __future__ import annotations

import enum

from django.db import transaction

from auditing.services import activity_record, entity_snapshot_record, snapshot
from eventlead.core.exceptions import UpstreamUnavailable

from .models import Company
from .services import company_mfa_policy_record


class AbrRefresh(enum.Enum):
    REFRESHED = "refreshed"
    UNCHANGED = "unchanged"
    NO_ABN = "no ABN"
    NOT_FOUND = "not found in the ABR"
    UNAVAILABLE = "ABR not answering"


@transaction.atomic
def company_admin_update(*, company: Company, actor, fields: list[str]) -> Company:
    """Save an admin's edit of ``fields`` of ``company`` with its ``audit.Company`` snapshot.

    Only the edited fields are written, so ABR details refreshed meanwhile are kept. A change of
    the MFA policy also gets its activity row, as on the API.
    """
    if not fields:
        return company
    before = snapshot(Company.objects.select_for_update().get(pk=company.pk))
    company.updated_by = actor
    company.full_clean()
    company.save(update_fields=[*fields, "updated_by", "updated_date"])
    company.refresh_from_db()
    entity_snapshot_record(instance=company, old=before, actor=actor)
    if "require_mfa" in fields:
        company_mfa_policy_record(company=company, actor=actor, description="Changed in the back office")
    return company


def company_abr_refresh(*, company: Company, actor) -> AbrRefresh:
    """Copy the ABR's current record for the company's ABN onto it.

    The ABN's cached answers are purged first, so this asks the ABR itself rather than the
    cache; if the ABR does not answer, the company is left as it was.
    """
    from abrcache.client import company_fields_from_abn
    from abrcache.models import SearchType
    from abrcache.services import abr_cache_purge, abr_search

    if not company.abn:
        return AbrRefresh.NO_ABN
    abr_cache_purge(abn=company.abn)
    try:
        found = abr_search(search_type=SearchType.ABN, value=company.abn)
    except UpstreamUnavailable:
        return AbrRefresh.UNAVAILABLE
    if not found.results:
        return AbrRefresh.NOT_FOUND
    fields = company_fields_from_abn(found.results[0], verified_at=found.cached_at)
    with transaction.atomic():
        row = Company.objects.select_for_update().get(pk=company.pk)
        before = snapshot(row)
        for field, value in fields.items():
            setattr(row, field, value)
        row.updated_by = actor
        row.save()
        changed = entity_snapshot_record(instance=row, old=before, actor=actor)
        activity_record(
            action="company_abr_refreshed",
            entity=row,
            actor=actor,
            company_id=row.pk,
            description="Refreshed ABR details from the back office",
            new_values=changed.new_values if changed else None,
        )
    return AbrRefresh.REFRESHED if changed else AbrRefresh.UNCHANGED
