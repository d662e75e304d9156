"""Every write of the accounts area: sign-up, verification, login, sessions, passwords, profile."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from auditing.services import activity_record, entity_snapshot_record, snapshot
from configuration.settings_store import get_setting
from eventlead.core.exceptions import (
    EmailNotVerified,
    InvalidCredentials,
    NotFound,
    TokenExpired,
    TokenInvalid,
    ValidationFailed,
)
from logging_app.models import AuthEvent, AuthEventType, EmailType
from logging_app.services import auth_event_record, email_queue
from reference.models import UserRole, UserStatus
from reference.selectors import reference_id

from .jwt import (
    ACCESS_VERSION_CLAIM,
    REFRESH_VERSION_CLAIM,
    SESSION_CLAIM,
    VersionedRefreshToken,
    issue_access_token,
    issue_token_pair,
)
from .models import (
    SessionEndReason,
    User,
    UserEmailChangeToken,
    UserEmailVerificationToken,
    UserMfaToken,
    UserPasswordResetToken,
    UserSecureAccountToken,
    UserSession,
    normalize_email,
)
from .selectors import session_for_token
from .sessions import device_remember, session_end, session_extend, session_open, sessions_end_all, user_session
from .tokens import hash_token, new_token

# S105 reads "PASSWORD" in a name as a secret; this is a message.
MESSAGE_WRONG_CURRENT_PASSWORD = "The current password is incorrect."  # noqa: S105
MESSAGE_EMAIL_TOO_LONG = "Ensure this field has no more than %d characters."
LOCKED_REASON_FAILED_LOGINS = "Too many failed sign-in attempts."
# AuthEvent failure reasons of a failed password check (event login_failed).
FAILURE_WRONG_PASSWORD = "wrong_password"  # noqa: S105 - a reason code, not a password
FAILURE_WRONG_CURRENT_PASSWORD = "wrong_current_password"  # noqa: S105 - a reason code, not a password
FAILURE_WRONG_REAUTH_CODE = "wrong_reauthentication_code"
# Failures of someone who holds a signed-in session: the lock they reach also ends every session.
SESSION_HOLDER_FAILURES = frozenset({FAILURE_WRONG_CURRENT_PASSWORD, FAILURE_WRONG_REAUTH_CODE})
SUBJECT_VERIFY = "Verify your EventLead email address"
SUBJECT_EXISTING = "Someone tried to sign up with your email address"
SUBJECT_RESET = "Reset your EventLead password"
SUBJECT_LOCKED = "Your EventLead account has been locked"
SUBJECT_PASSWORD_CHANGED = "Your EventLead password was changed"  # noqa: S105 - a subject
SUBJECT_PASSWORD_RESET = "Your EventLead password was reset"  # noqa: S105 - a subject
SUBJECT_NEW_DEVICE = "A new sign-in to your EventLead account"
SUBJECT_TOKEN_REUSE = "We signed a device out of your EventLead account"  # noqa: S105 - a subject
# How long a security email's "this wasn't me" link works.
SECURE_ACCOUNT_LINK_LIFETIME = timedelta(days=7)


class RefreshTokenInvalid(TokenInvalid):
    status_code = 401
    message = "This refresh token is not valid."


class RefreshTokenReused(RefreshTokenInvalid):
    """A refresh token that was already rotated came back: someone else may hold the session."""


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _burn_password_hash(password: str) -> None:
    """Compute one password hash, so that a path with no hash to check costs what a check does.

    As Django's ModelBackend does for unknown users (#20760; CVE-2024-39329 was a timing
    difference of this kind). Hashing afresh each time, rather than checking against a
    dummy hash made on first use, keeps the first call in a process from costing two.
    """
    make_password(password)


def _audit_user_change(
    user: User, before: dict[str, object], *, action: str, actor: User | None, description: str = ""
) -> None:
    """Write the user's snapshot and the business action, in the caller's transaction."""
    user.refresh_from_db()
    entity_snapshot_record(instance=user, old=before, actor=actor)
    activity_record(action=action, entity=user, actor=actor, description=description)


def _active_user_by_email(email: str) -> User | None:
    return User.objects.filter(email=normalize_email(email), is_deleted=False).first()


def password_validate(password: str, *, user: User, field: str = "password") -> None:
    """Apply the configured password rules, as a field error on ``field``."""
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ValidationFailed(fields={field: error.messages}) from error


# Sign-up and email verification -------------------------------------------------------------


@transaction.atomic
def user_signup(*, email: str, password: str, first_name: str, last_name: str) -> User | None:
    """Create a pending account and send a verification link; return None for a known address.

    The caller answers the same way in both cases (no enumeration): a new address gets the
    verification email, the owner of an existing one a notice instead.
    """
    email = normalize_email(email)
    # Case folding can lengthen an address ("ß" becomes "ss") past what the column holds.
    max_length = cast(int, User._meta.get_field("email").max_length)  # EmailField(max_length=254)
    if len(email) > max_length:
        raise ValidationFailed(fields={"email": [MESSAGE_EMAIL_TOO_LONG % max_length]})
    candidate = User(email=email, first_name=first_name, last_name=last_name)
    password_validate(password, user=candidate)
    existing = _active_user_by_email(email)
    if existing is None:
        candidate.status_id = reference_id(UserStatus, UserStatus.PENDING)
        candidate.user_role_id = reference_id(UserRole, UserRole.COMPANY_USER)
        candidate.set_password(password)
        candidate.last_password_change = timezone.now()
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError:
            # A concurrent sign-up won the race for this address (UQ_User_Email).
            existing = User.objects.get(email=email)
        else:
            entity_snapshot_record(instance=candidate, old=None, actor=candidate)
            activity_record(action="user_signed_up", entity=candidate, actor=candidate)
            email_queue(
                email_type=EmailType.EMAIL_VERIFICATION, recipient=email, subject=SUBJECT_VERIFY, user=candidate
            )
            return candidate
    _burn_password_hash(password)
    email_queue(
        email_type=EmailType.SIGNUP_EXISTING_ACCOUNT, recipient=existing.email, subject=SUBJECT_EXISTING, user=existing
    )
    return None


# The one-time token models; OneTimeToken itself is abstract (no manager, no ``user``).
OneTimeTokenT = TypeVar(
    "OneTimeTokenT",
    UserEmailVerificationToken,
    UserPasswordResetToken,
    UserSecureAccountToken,
    UserMfaToken,
    UserEmailChangeToken,
)


def _one_time_token_issue(
    model: type[OneTimeTokenT], *, user: User, lifetime: timedelta, now: datetime, **fields: object
) -> str:
    """Store the hash of a new token for ``user``; every older unused one stops working."""
    token, token_hash = new_token()
    with transaction.atomic():
        model.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        model.objects.create(user=user, token_hash=token_hash, expires_at=now + lifetime, created_date=now, **fields)
    return token


def email_verification_token_issue(*, user: User, now: datetime | None = None) -> str:
    """Issue a verification token valid ``auth.email_verification_hours``."""
    lifetime = timedelta(hours=get_setting("auth.email_verification_hours"))
    return _one_time_token_issue(UserEmailVerificationToken, user=user, lifetime=lifetime, now=_now(now))


def email_verification_resend(*, email: str) -> None:
    user = _active_user_by_email(email)
    if user is not None and user.email_verified_at is None:
        with transaction.atomic():
            email_queue(
                email_type=EmailType.EMAIL_VERIFICATION, recipient=user.email, subject=SUBJECT_VERIFY, user=user
            )


def _consume(model: type[OneTimeTokenT], token: str, now: datetime) -> OneTimeTokenT:
    """Mark a one-time token used, exactly once; raise if unknown, used or expired."""
    row = model.objects.select_related("user").filter(token_hash=hash_token(token or "")).first()
    if row is None or row.used_at is not None or row.user.is_deleted:
        raise TokenInvalid()
    if now > row.expires_at:
        raise TokenExpired()
    if not model.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        raise TokenInvalid()  # A concurrent request used it first.
    return row


@transaction.atomic
def email_verify(*, token: str, now: datetime | None = None) -> User:
    now = _now(now)
    user = _consume(UserEmailVerificationToken, token, now).user
    before = snapshot(user)
    pending = reference_id(UserStatus, UserStatus.PENDING)
    User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=now)
    # Only a pending account becomes active; a suspended one stays suspended.
    User.objects.filter(pk=user.pk, status_id=pending).update(status_id=reference_id(UserStatus, UserStatus.ACTIVE))
    auth_event_record(event_type=AuthEventType.EMAIL_VERIFIED, user=user)
    _audit_user_change(user, before, action="email_verified", actor=user)
    return user


# Login, lockout and sessions ------------------------------------------------------------------


def user_login(*, email: str, password: str, now: datetime | None = None) -> tuple[User, dict[str, Any]]:
    """Check credentials with lockout; return the user and a fresh token pair.

    Unknown address, wrong password, locked or suspended account: one generic
    ``InvalidCredentials``. ``EmailNotVerified`` only after a correct password. With MFA on
    there is no session yet: ``{"mfa_required": True, "mfa_token": ...}`` instead of the tokens,
    and ``accounts.mfa.mfa_verify`` opens it once a code is given.
    """
    user = credentials_check(email=email, password=password, now=now)
    if user.status.code == UserStatus.PENDING:
        auth_event_record(event_type=AuthEventType.LOGIN_FAILED, user=user, failure_reason="email_not_verified")
        raise EmailNotVerified()
    if user.mfa_enabled:
        from .mfa import mfa_challenge  # accounts.mfa builds on this module

        return user, {"mfa_required": True, "mfa_token": mfa_challenge(user=user, now=now)}
    return user, session_start(user=user, now=now)


def credentials_check(*, email: str, password: str, now: datetime | None = None) -> User:
    """Return the user whose password this is, counting failures toward the lockout.

    Shared by the API login and the admin sign-in (``accounts.backends``).
    """
    now = _now(now)
    user = _active_user_by_email(email)
    if user is None:
        _burn_password_hash(password)
        auth_event_record(
            event_type=AuthEventType.LOGIN_FAILED, email=normalize_email(email)[:254], failure_reason="unknown_email"
        )
        raise InvalidCredentials()
    _expire_lock(user, now)
    if user.is_locked_at(now):
        _burn_password_hash(password)
        auth_event_record(event_type=AuthEventType.LOGIN_FAILED, user=user, failure_reason="account_locked")
        raise InvalidCredentials()
    if not user.check_password(password):
        login_failure_register(user=user, now=now)
        raise InvalidCredentials()
    if user.status.code == UserStatus.SUSPENDED:
        auth_event_record(event_type=AuthEventType.LOGIN_FAILED, user=user, failure_reason="suspended")
        raise InvalidCredentials()
    return user


def _expire_lock(user: User, now: datetime) -> None:
    """Lift a lock whose time is up, once, and start the count afresh."""
    if user.is_locked and user.locked_until is not None and user.locked_until <= now:
        lifted = User.objects.filter(pk=user.pk, is_locked=True, locked_until__lte=now).update(
            is_locked=False, locked_until=None, locked_reason="", failed_login_attempts=0
        )
        if lifted:
            auth_event_record(event_type=AuthEventType.ACCOUNT_UNLOCKED, user=user, failure_reason="lock_expired")
        user.refresh_from_db()


def login_failure_register(
    *, user: User, now: datetime | None = None, failure_reason: str = FAILURE_WRONG_PASSWORD
) -> None:
    """Count one failed attempt atomically; the attempt that reaches the limit locks the account.

    Both steps are single UPDATE statements, so concurrent failures are all counted (no
    lost updates) and exactly one of them locks and emails the owner. While locked, the
    account's sessions are refused (``User.is_active``). A lock reached by guessing the current
    password on password change also ends them for good (API tokens and back-office sign-ins):
    the guesser holds one. A lock from failed sign-ins does not, since anyone who knows the
    address can cause one, and it must not be a way to sign its owner out of every device.
    """
    now = _now(now)
    before = snapshot(user)
    User.objects.filter(pk=user.pk).update(
        failed_login_attempts=F("failed_login_attempts") + 1, last_failed_login_at=now
    )
    auth_event_record(event_type=AuthEventType.LOGIN_FAILED, user=user, failure_reason=failure_reason)
    limit = get_setting("security.max_failed_login_attempts")
    locked = User.objects.filter(pk=user.pk, is_locked=False, failed_login_attempts__gte=limit).update(
        is_locked=True,
        locked_until=now + timedelta(minutes=get_setting("security.lockout_minutes")),
        locked_reason=LOCKED_REASON_FAILED_LOGINS,
    )
    if locked:
        auth_event_record(event_type=AuthEventType.ACCOUNT_LOCKED, user=user, failure_reason="too_many_failures")
        with transaction.atomic():
            if failure_reason in SESSION_HOLDER_FAILURES:
                tokens_revoke_all(user=user, reason=SessionEndReason.ACCOUNT_LOCKED, actor=None)
            _audit_user_change(user, before, action="account_locked", actor=None)
            email_queue(email_type=EmailType.ACCOUNT_LOCKED, recipient=user.email, subject=SUBJECT_LOCKED, user=user)


@transaction.atomic
def session_start(*, user: User, now: datetime | None = None) -> dict[str, str]:
    """Record a successful sign-in, open its session and issue its token pair.

    A sign-in from a device and network this account has not used before sends its owner a
    security email (not the first sign-in of an account: every device is new then).
    """
    now = _now(now)
    before = snapshot(user)
    User.objects.filter(pk=user.pk).update(failed_login_attempts=0, last_login=now)
    session = session_open(user=user, now=now)
    event = auth_event_record(event_type=AuthEventType.LOGIN_SUCCESS, user=user)
    _audit_user_change(user, before, action="user_logged_in", actor=user)
    if device_remember(user=user, session=session, now=now):
        security_email_queue(EmailType.SECURITY_NEW_DEVICE, SUBJECT_NEW_DEVICE, user=user, event=event)
    return issue_token_pair(user, session)


def security_email_queue(email_type: str, subject: str, *, user: User, event: AuthEvent) -> None:
    """Queue a security email about ``event`` (what, when, from which IP and device)."""
    email_queue(email_type=email_type, recipient=user.email, subject=subject, user=user, auth_event=event)


def _refresh_token_session(raw: str, now: datetime) -> tuple[VersionedRefreshToken, UserSession]:
    """The refresh token and its active session (with its user); refused if either is not valid."""
    try:
        # simplejwt annotates the encoded token as a Token; it is the str (jazzband/djangorestframework-simplejwt#787).
        refresh = VersionedRefreshToken(raw)  # type: ignore[arg-type]
    except TokenError as error:
        raise RefreshTokenInvalid() from error
    # A subject that is not a user id ("abc") or another user's session finds none.
    session = session_for_token(refresh.get(SESSION_CLAIM), refresh.get("sub"))
    if session is None or not session.is_active_at(now):
        raise RefreshTokenInvalid()
    user = session.user
    if not user.is_active or refresh.get(REFRESH_VERSION_CLAIM) != user.refresh_token_version:
        raise RefreshTokenInvalid()
    if refresh.get(ACCESS_VERSION_CLAIM) != user.access_token_version:
        raise RefreshTokenInvalid()
    return refresh, session


def _retire(refresh: VersionedRefreshToken) -> None:
    """Retire a refresh token exactly once, in one statement.

    Inserting its outstanding row into the blacklist, whose token column is unique, is the
    whole check: of 20 concurrent uses one insert succeeds and the rest fail on the constraint
    (simplejwt's own ``blacklist()`` uses get_or_create, which lets every concurrent caller
    succeed). ``INSERT ... SELECT`` finds the outstanding row in the same statement: no row
    inserted means a token never issued. No savepoint: a failed insert always ends the
    caller's transaction with this error.
    """
    quote = connection.ops.quote_name
    blacklist, outstanding = BlacklistedToken._meta, OutstandingToken._meta
    sql = (
        f"INSERT INTO {quote(blacklist.db_table)} "  # noqa: S608 - names from the models, quoted by the backend
        f"({quote(blacklist.get_field('token').column)}, {quote(blacklist.get_field('blacklisted_at').column)}) "
        f"SELECT {quote(outstanding.pk.column)}, %s FROM {quote(outstanding.db_table)} "
        f"WHERE {quote(outstanding.get_field('jti').column)} = %s"
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, str(refresh["jti"])])
            inserted = cursor.rowcount
    except IntegrityError as error:
        raise RefreshTokenReused() from error
    if inserted != 1:
        raise RefreshTokenInvalid()


def token_refresh(*, raw_refresh: str, now: datetime | None = None) -> dict[str, str]:
    """Rotate within the session: the presented refresh token dies and a new pair is issued.

    A refresh token used before (rotated already) ends its session, so every token issued
    after it dies too, and its owner gets a security email; the answer is the same 401. Of
    concurrent uses of one token, one rotates and the others count as reuse: a client must not
    refresh with the same token twice at once.
    """
    now = _now(now)
    refresh, session = _refresh_token_session(raw_refresh, now)
    user = session.user
    try:
        with transaction.atomic():
            _retire(refresh)
            if not session_extend(session, now):
                raise RefreshTokenInvalid()  # The session ended since it was read.
            auth_event_record(event_type=AuthEventType.TOKEN_REFRESHED, user=user)
            return issue_token_pair(user, session)
    except RefreshTokenReused:
        with transaction.atomic():
            if session_end(session, reason=SessionEndReason.REUSE_DETECTED, actor=None, now=now, event=False):
                event = auth_event_record(event_type=AuthEventType.TOKEN_REUSE_DETECTED, user=user)
                security_email_queue(EmailType.SECURITY_TOKEN_REUSE, SUBJECT_TOKEN_REUSE, user=user, event=event)
        raise


@transaction.atomic
def session_logout(*, user: User, raw_refresh: str, now: datetime | None = None) -> None:
    """End the session of this refresh token (the caller's own): its tokens stop working, other
    devices carry on."""
    now = _now(now)
    refresh, session = _refresh_token_session(raw_refresh, now)
    if session.user_id != user.pk:
        raise RefreshTokenInvalid()
    _retire(refresh)
    session_end(session, reason=SessionEndReason.LOGOUT, actor=user, now=now, event=False)
    auth_event_record(event_type=AuthEventType.LOGOUT, user=user)


def tokens_revoke_all(*, user: User, reason: str, actor: User | None) -> None:
    """End every session of ``user`` and raise both token versions, the fallback: every token
    issued before now is refused at once. A sign-in waiting for its second factor ends too."""
    sessions_end_all(user=user, reason=reason, actor=actor)
    UserMfaToken.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
    User.objects.filter(pk=user.pk).update(
        access_token_version=F("access_token_version") + 1, refresh_token_version=F("refresh_token_version") + 1
    )
    user.refresh_from_db(fields=["access_token_version", "refresh_token_version", "session_token"])


@transaction.atomic
def session_logout_all(*, user: User, actor: User | None = None, reason: str = SessionEndReason.LOGOUT_ALL) -> None:
    """Every session of ``user`` ends (by the user, or ``actor`` from the back office)."""
    before = snapshot(user)
    tokens_revoke_all(user=user, reason=reason, actor=actor or user)
    # An administrator's sign-out names its reason; the user's own is the plain event.
    auth_event_record(
        event_type=AuthEventType.LOGOUT_ALL,
        user=user,
        failure_reason="" if reason == SessionEndReason.LOGOUT_ALL else reason,
    )
    _audit_user_change(user, before, action="logout_all", actor=actor or user)


@transaction.atomic
def session_revoke(*, user: User, session_key: str, now: datetime | None = None) -> None:
    """End one of the caller's sessions (any device, this one included); another's is not found."""
    session = user_session(user=user, session_key=session_key)
    if session is None or not session_end(session, reason=SessionEndReason.REVOKED, actor=user, now=now):
        raise NotFound()


@transaction.atomic
def sessions_revoke_others(*, user: User, current: UserSession, now: datetime | None = None) -> int:
    """End every session of the caller but the one this request comes from."""
    ended = sessions_end_all(user=user, reason=SessionEndReason.REVOKED, actor=user, now=now, keep=current)
    if ended:
        auth_event_record(event_type=AuthEventType.SESSION_ENDED, user=user, failure_reason="revoked_others")
    return ended


def reauthenticate(
    *,
    user: User,
    session: UserSession,
    password: str | None = None,
    code: str | None = None,
    now: datetime | None = None,
) -> str:
    """Check the password (or, once MFA is on, a TOTP or recovery code) again: the session's
    ``auth_time`` becomes now; return a fresh access token.

    A wrong password or code counts toward the lockout, as on password change.
    """
    now = _now(now)
    if code is not None:
        from .mfa import reauthentication_code_check  # accounts.mfa builds on this module

        reauthentication_code_check(user=user, code=code, now=now)
    else:
        current_password_check(user=user, password=password or "", now=now, field="password")
    with transaction.atomic():
        UserSession.objects.filter(pk=session.pk).update(authenticated_at=now)
        session.authenticated_at = now
        auth_event_record(event_type=AuthEventType.REAUTHENTICATED, user=user)
        return issue_access_token(user, session)


def secure_account_token_issue(*, user: User, sent_to: str = "", now: datetime | None = None) -> str:
    """Issue the token of a "this wasn't me" link in an email to ``sent_to``. Older links keep
    working: each email has its own."""
    now = _now(now)
    token, token_hash = new_token()
    UserSecureAccountToken.objects.create(
        user=user,
        token_hash=token_hash,
        sent_to=sent_to,
        expires_at=now + SECURE_ACCOUNT_LINK_LIFETIME,
        created_date=now,
    )
    return token


@transaction.atomic
def account_secure(*, token: str, now: datetime | None = None) -> User:
    """ "This wasn't me": end every session of the account and email its owner a password reset link.

    The owner is whoever reads the address the link was sent to. If the account's address has
    changed since (the notice of an email change, to the old address), the account goes back to
    that address, while no other account holds it, and the reset link goes there: a hijacker who
    moved the account to their own mailbox must not receive it. The link works once; using it
    uses every other such link of the account too.
    """
    now = _now(now)
    row = _consume(UserSecureAccountToken, token, now)
    user = row.user
    UserSecureAccountToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    tokens_revoke_all(user=user, reason=SessionEndReason.ACCOUNT_SECURED, actor=user)
    if row.sent_to and row.sent_to != user.email:
        _email_restore(user, row.sent_to, now)
    event = auth_event_record(event_type=AuthEventType.ACCOUNT_SECURED, user=user)
    email_queue(
        email_type=EmailType.PASSWORD_RESET, recipient=user.email, subject=SUBJECT_RESET, user=user, auth_event=event
    )
    return user


def _email_restore(user: User, address: str, now: datetime) -> None:
    """Give the account back its earlier ``address`` (it proved it by following the link sent
    there), unless another account took it meanwhile; pending email changes stop working."""
    before = snapshot(user)
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(email=address, email_verified_at=now)
    except IntegrityError:
        return  # The address belongs to another account now; the reset goes to the current one.
    UserEmailChangeToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    _audit_user_change(user, before, action="email_restored", actor=user)


# Passwords ------------------------------------------------------------------------------------


def password_reset_token_issue(*, user: User, requested_ip: str | None = None, now: datetime | None = None) -> str:
    """Issue a reset token valid ``auth.password_reset_minutes``."""
    lifetime = timedelta(minutes=get_setting("auth.password_reset_minutes"))
    return _one_time_token_issue(
        UserPasswordResetToken, user=user, lifetime=lifetime, now=_now(now), requested_ip=requested_ip
    )


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Email a reset link if the address has an account; the caller answers the same either way.

    The lock fields are left alone: asking for a reset neither locks nor unlocks.
    """
    user = _active_user_by_email(email)
    if user is None:
        return
    event = auth_event_record(event_type=AuthEventType.PASSWORD_RESET_REQUESTED, user=user)
    # The event carries the requesting IP to the worker, which makes the token (RequestedIP).
    email_queue(
        email_type=EmailType.PASSWORD_RESET, recipient=user.email, subject=SUBJECT_RESET, user=user, auth_event=event
    )


def _password_set(user: User, password: str, now: datetime, *, reason: str) -> None:
    """Store a new password, end every session, revoke every token and lift any lock."""
    user.set_password(password)
    User.objects.filter(pk=user.pk).update(
        password=user.password,
        last_password_change=now,
        is_locked=False,
        locked_until=None,
        locked_reason="",
        failed_login_attempts=0,
    )
    UserPasswordResetToken.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
    tokens_revoke_all(user=user, reason=reason, actor=user)


@transaction.atomic
def password_reset_confirm(*, token: str, new_password: str, now: datetime | None = None) -> User:
    now = _now(now)
    row = _consume(UserPasswordResetToken, token, now)
    user = row.user
    before = snapshot(user)
    password_validate(new_password, user=user, field="newPassword")
    _password_set(user, new_password, now, reason=SessionEndReason.PASSWORD_RESET)
    # Following the emailed link proves the address, as verification does.
    User.objects.filter(pk=user.pk, email_verified_at__isnull=True).update(email_verified_at=now)
    User.objects.filter(pk=user.pk, status_id=reference_id(UserStatus, UserStatus.PENDING)).update(
        status_id=reference_id(UserStatus, UserStatus.ACTIVE)
    )
    event = auth_event_record(event_type=AuthEventType.PASSWORD_RESET_COMPLETED, user=user)
    _audit_user_change(user, before, action="password_reset", actor=user)
    security_email_queue(EmailType.SECURITY_PASSWORD_RESET, SUBJECT_PASSWORD_RESET, user=user, event=event)
    return user


def current_password_check(
    *, user: User, password: str, now: datetime | None = None, field: str = "currentPassword"
) -> None:
    """Refuse a wrong current password, counting it toward the lockout as a failed sign-in.

    Whoever holds a signed-in session could otherwise guess the password without limit. Run
    outside the change's transaction, so the failure stays counted though the change is refused.
    """
    now = _now(now)
    # A lock whose time is up still has IsLocked set, which would keep the next one from being set.
    _expire_lock(user, now)
    if not user.check_password(password):
        login_failure_register(user=user, now=now, failure_reason=FAILURE_WRONG_CURRENT_PASSWORD)
        raise ValidationFailed(fields={field: [MESSAGE_WRONG_CURRENT_PASSWORD]})


def _password_change(user: User, new_password: str, now: datetime) -> None:
    """Store a new password whose owner proved the current one, in the caller's transaction."""
    before = snapshot(user)
    password_validate(new_password, user=user, field="newPassword")
    _password_set(user, new_password, now, reason=SessionEndReason.PASSWORD_CHANGED)
    event = auth_event_record(event_type=AuthEventType.PASSWORD_CHANGED, user=user)
    _audit_user_change(user, before, action="password_changed", actor=user)
    security_email_queue(EmailType.SECURITY_PASSWORD_CHANGED, SUBJECT_PASSWORD_CHANGED, user=user, event=event)


def user_password_change(*, user: User, current_password: str, new_password: str, now: datetime | None = None) -> None:
    """Change the password after checking the current one; every token of the user dies."""
    now = _now(now)
    current_password_check(user=user, password=current_password, now=now)
    with transaction.atomic():
        _password_change(user, new_password, now)


def password_change(
    *, user: User, current_password: str, new_password: str, now: datetime | None = None
) -> dict[str, str]:
    """The API's change: every other session ends and this one gets a fresh token pair."""
    now = _now(now)
    current_password_check(user=user, password=current_password, now=now)
    with transaction.atomic():
        _password_change(user, new_password, now)
        return session_start(user=user, now=now)


# Profile --------------------------------------------------------------------------------------

PROFILE_FIELDS = ("first_name", "last_name", "phone", "role_title", "timezone_identifier", "profile_picture_url")


@transaction.atomic
def user_profile_update(*, user: User, **changes: object) -> User:
    before = snapshot(user)
    for field, value in changes.items():
        if field not in PROFILE_FIELDS:
            raise ValueError(f"{field} is not a profile field")
        setattr(user, field, value)
    user.updated_by = user
    user.save(update_fields=[*changes, "updated_date", "updated_by"])
    _audit_user_change(user, before, action="profile_updated", actor=user)
    return user
