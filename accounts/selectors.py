"""Reads of the accounts area, with their joins done up front."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework.fields import DateTimeField

from companies.access import active_memberships
from companies.models import Company, UserCompany
from eventlead.db.compiled import CompiledQuery
from reference.models import ReferenceModel

if TYPE_CHECKING:
    from .models import User, UserSession

_DATETIME = DateTimeField()  # DRF's writing of a datetime; None stays None


def _memberships(user_id: int) -> QuerySet[UserCompany]:
    return active_memberships(user_id).order_by("company__company_name")


# Only what the profile shows (id, display name, role, the company's MFA policy): these rows are wide.
MEMBERSHIP_ROWS = CompiledQuery(
    lambda user_id: _memberships(user_id).values_list(
        "company_id",
        *(f"company__{column}" for column in Company.DISPLAY_NAME_COLUMNS),
        "role__code",
        "company__require_mfa",
    ),
    user_id=int,
)
MAX_ID = 2**31 - 1  # the AutoField's range on every engine
_REFERENCE_EXTRAS = [field for field in ReferenceModel._meta.concrete_fields if field.name not in ("id", "code")]


def _session(session_key: str, user_id: int) -> QuerySet[UserSession]:
    from .models import UserSession

    # The manager joins status and role; of those, authentication and the API read the code. The
    # session's own user agent is not needed to check it. No ORDER BY: one row by its unique key.
    lookups = [f"user__{relation}__{field.name}" for relation in ("status", "user_role") for field in _REFERENCE_EXTRAS]
    return (
        UserSession.objects.select_related("user__status", "user__user_role")
        .filter(session_key=session_key, user_id=user_id)
        .defer("user_agent", *lookups)
        .order_by()
    )


SESSION_BY_KEY = CompiledQuery(_session, session_key=str, user_id=int)


def session_for_token(session_key: object, user_id: object) -> UserSession | None:
    """The session a token names (its ``sid`` and ``sub``), with its user, status and role; None if none.

    The one query of every authenticated request: the session is checked where the user is
    loaded, in the same statement.
    """
    try:
        pk = int(user_id)  # type: ignore[call-overload]  # a claim: any JSON value
    except (ValueError, TypeError):
        return None
    if not isinstance(session_key, str) or not 0 < pk <= MAX_ID:
        return None
    return SESSION_BY_KEY.first(session_key=session_key, user_id=pk)


def user_sessions(*, user: User) -> QuerySet[UserSession]:
    """``user``'s active sessions (not ended, not expired)."""
    from django.utils import timezone

    from .models import UserSession

    return UserSession.objects.filter(user=user, ended_at__isnull=True, expires_at__gt=timezone.now())


def session_row(current: UserSession | None, session: UserSession) -> dict[str, Any]:
    """One session as GET /auth/sessions shows it (``serializers.SessionOutput``)."""
    return {
        "session_id": session.session_key,
        "current": current is not None and session.pk == current.pk,
        "created_at": _datetime(session.created_date),
        "last_seen_at": _datetime(session.last_seen_at),
        "ip_address": session.ip_address,
        "user_agent": session.user_agent,
        "device": session.device_label,
    }


def user_memberships(*, user: User) -> QuerySet[UserCompany]:
    """The user's active memberships of live companies, with company and role: one query however many."""
    return _memberships(user.pk)


def user_profile(*, user: User) -> dict[str, Any]:
    """The body of GET /users/me (``serializers.UserOutput`` documents it; a test holds the two equal).

    Built by hand: the hottest read there is, and a serializer would build its fields anew on
    every request.
    """
    return {
        "user_id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "phone": user.phone,
        "role_title": user.role_title,
        "timezone_identifier": user.timezone_identifier,
        "profile_picture_url": user.profile_picture_url,
        "email_verified_at": _datetime(user.email_verified_at),
        "status": user.status.code,
        "last_login": _datetime(user.last_login),
        "mfa_enabled": user.mfa_enabled,
        "companies": [
            {
                "company_id": company_id,
                "name": Company.display_name_of(*name_columns),
                "role": role,
                "require_mfa": bool(require_mfa),
            }
            for company_id, *name_columns, role, require_mfa in MEMBERSHIP_ROWS.rows(user_id=user.pk)
        ],
    }


def _datetime(value: datetime | None) -> str | None:
    # DRF's DateTimeField writes None as None; django-stubs type its argument as a datetime.
    written: str | None = _DATETIME.to_representation(value)  # type: ignore[arg-type]
    return written
