"""Sessions: one per sign-in on one device (``dbo.UserSession``), and the devices a user is known by.

A session is opened by a sign-in, carried by every token issued from it (claim ``sid``),
extended by each refresh and ended once, for a reason (``SessionEndReason``). Authentication
reads the session with its user in one query (``selectors.session_for_token``), so an ended
session's access tokens are refused on the next request, on every worker.

Every write here runs in the caller's transaction.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

import ua_parser
from django.db import IntegrityError, transaction
from django.utils import timezone

from auditing.services import activity_record
from configuration.settings_store import get_setting
from eventlead.core import context
from logging_app.models import AuthEventType
from logging_app.services import auth_event_record

from .models import User, UserKnownDevice, UserSession

# How often, at most, a session's LastSeenAt is written: not on every request.
LAST_SEEN_EVERY = timedelta(minutes=1)
# The network a sign-in address is remembered by (a device's address changes more often).
IPV4_PREFIX, IPV6_PREFIX = 24, 48
UNKNOWN_DEVICE = "Unknown device"
_SESSION_KEY_BYTES = 16  # 128 random bits


def refresh_lifetime() -> timedelta:
    return timedelta(days=get_setting("auth.refresh_token_days"))


@lru_cache(maxsize=1024)
def device_label(user_agent: str) -> str:
    """A readable name of the device a user agent string describes: "Firefox on Windows".

    The families only, no versions: an update of the browser is the same device.
    """
    parsed = ua_parser.parse(user_agent) if user_agent else None
    browser = parsed.user_agent.family if parsed and parsed.user_agent else ""
    system = parsed.os.family if parsed and parsed.os else ""
    if parsed and parsed.device and parsed.device.family not in ("Other", "Spider", system):
        system = f"{system} ({parsed.device.family})" if system else parsed.device.family
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or UNKNOWN_DEVICE


def ip_network(address: str | None) -> str:
    """The network of ``address`` a device is remembered by ("203.0.113.0/24"); "" when unknown."""
    if not address:
        return ""
    parsed = ipaddress.ip_address(address)
    prefix = IPV4_PREFIX if parsed.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False))


def session_open(*, user: User, now: datetime | None = None) -> UserSession:
    """Open a session for ``user`` on the requesting device (IP and user agent of the request)."""
    now = now or timezone.now()
    request = context.current()
    session = UserSession.objects.create(
        session_key=secrets.token_urlsafe(_SESSION_KEY_BYTES),
        user=user,
        ip_address=request.ip_address,
        user_agent=request.user_agent[:500],
        device_label=device_label(request.user_agent),
        authenticated_at=now,
        last_seen_at=now,
        expires_at=now + refresh_lifetime(),
        created_date=now,
        created_by=user,
        updated_by=user,
    )
    User.objects.filter(pk=user.pk).update(session_token=session.session_key)
    return session


def device_remember(*, user: User, session: UserSession, now: datetime) -> bool:
    """Remember the session's device and network for ``user``; True when it is new to an account
    that had signed in before (the first sign-in ever is no news to its owner)."""
    network = ip_network(session.ip_address)
    known = UserKnownDevice.objects.filter(user=user)
    if known.filter(device_label=session.device_label, ip_network=network).update(last_seen_at=now):
        return False
    had_devices = known.exists()
    try:
        with transaction.atomic():
            UserKnownDevice.objects.create(
                user=user,
                device_label=session.device_label,
                ip_network=network,
                last_seen_at=now,
                created_date=now,
                created_by=user,
                updated_by=user,
            )
    except IntegrityError:
        return False  # A concurrent sign-in from the same device remembered it first.
    return had_devices


def session_touch(session: UserSession, now: datetime) -> None:
    """Move LastSeenAt to ``now`` when it is more than a minute old: one UPDATE a minute at most."""
    if now - session.last_seen_at > LAST_SEEN_EVERY:
        UserSession.objects.filter(pk=session.pk, last_seen_at__lt=now - LAST_SEEN_EVERY).update(last_seen_at=now)


def session_extend(session: UserSession, now: datetime) -> bool:
    """A refresh: the session lives another refresh lifetime. False if it ended meanwhile."""
    return bool(
        UserSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
            last_seen_at=now, expires_at=now + refresh_lifetime()
        )
    )


def session_end(
    session: UserSession, *, reason: str, actor: User | None, now: datetime | None = None, event: bool = True
) -> bool:
    """End one session, once: audited and, unless ``event`` is False, recorded as an auth event.

    False when it had ended already (by a concurrent request, or before).
    """
    now = now or timezone.now()
    ended = UserSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(
        ended_at=now, end_reason=reason, updated_by=actor, updated_date=now
    )
    if not ended:
        return False
    User.objects.filter(pk=session.user_id, session_token=session.session_key).update(session_token="")
    if event:
        auth_event_record(event_type=AuthEventType.SESSION_ENDED, user=session.user, failure_reason=reason)
    activity_record(
        action="session_ended",
        entity=session.user,
        actor=actor,
        description=f"Ended the session on {session.device_label or UNKNOWN_DEVICE} ({reason})",
        new_values={"user_session_id": session.pk, "end_reason": reason},
    )
    return True


def sessions_end_all(
    *, user: User, reason: str, actor: User | None, now: datetime | None = None, keep: UserSession | None = None
) -> int:
    """End every active session of ``user`` (but ``keep``), in one statement; return how many.

    ``keep`` is then the user's one session, and ``SessionToken`` names it (or nothing). Audited
    as one entry; the caller records the auth event of what ended them.
    """
    now = now or timezone.now()
    active = UserSession.objects.filter(user=user, ended_at__isnull=True)
    if keep is not None:
        active = active.exclude(pk=keep.pk)
    ended = active.update(ended_at=now, end_reason=reason, updated_by=actor, updated_date=now)
    User.objects.filter(pk=user.pk).update(session_token=keep.session_key if keep is not None else "")
    if ended:
        activity_record(
            action="sessions_ended",
            entity=user,
            actor=actor,
            description=f"Ended {ended} session{'s' if ended != 1 else ''} ({reason})",
        )
    return ended


def user_session(*, user: User, session_key: str) -> UserSession | None:
    """``user``'s active session of this key; None for another user's, an ended or an unknown one."""
    session: UserSession | None = (
        UserSession.objects.select_related("user")
        .filter(user=user, session_key=session_key, ended_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    return session
