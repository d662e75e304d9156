"""``dbo`` accounts: the user (``AUTH_USER_MODEL``), its sessions, known devices and one-time tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from eventlead.core.models import SoftDeleteModel, TrackedModel
from reference.models import UserRole, UserStatus

# The one form an address is stored and compared in (sign-up, login, invitations, resets, the
# admin); imported from here by every caller, defined with its reasons in ``accounts.addresses``.
from .addresses import normalize_email


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_queryset(self):
        # is_active, is_staff and every permission check read these two rows.
        return super().get_queryset().select_related("status", "user_role")

    def get_by_natural_key(self, email):
        return self.get(email=email)

    def create_user(self, email, password=None, **fields):
        """Create a user directly (admin and tests); the sign-up flow lives in ``services``."""
        from reference.selectors import reference_id

        fields.setdefault("status_id", reference_id(UserStatus, UserStatus.ACTIVE))
        fields.setdefault("user_role_id", reference_id(UserRole, UserRole.COMPANY_USER))
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.last_password_change = timezone.now()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        from reference.selectors import reference_id

        fields.setdefault("user_role_id", reference_id(UserRole, UserRole.SYSTEM_ADMIN))
        fields.setdefault("email_verified_at", timezone.now())
        fields.setdefault("first_name", "System")
        fields.setdefault("last_name", "Administrator")
        return self.create_user(email, password, **fields)


SESSION_AUTH_HASH_SALT = "accounts.User.get_session_auth_hash"


class User(AbstractBaseUser, SoftDeleteModel):
    """A user account; email is the sign-in."""

    id = models.AutoField(primary_key=True, db_column="UserID")
    email = models.EmailField(max_length=254, db_column="Email")
    password = models.CharField(max_length=255, db_column="PasswordHash")
    first_name = models.CharField(max_length=100, db_column="FirstName")
    last_name = models.CharField(max_length=100, db_column="LastName")
    phone = models.CharField(max_length=30, blank=True, default="", db_column="Phone")
    role_title = models.CharField(max_length=100, blank=True, default="", db_column="RoleTitle")
    profile_picture_url = models.URLField(max_length=500, blank=True, default="", db_column="ProfilePictureUrl")
    timezone_identifier = models.CharField(
        max_length=64, default="Australia/Sydney", db_default="Australia/Sydney", db_column="TimezoneIdentifier"
    )
    language = models.ForeignKey("reference.Language", models.PROTECT, null=True, blank=True, db_column="LanguageID")
    country = models.ForeignKey("reference.Country", models.PROTECT, null=True, blank=True, db_column="CountryID")
    status = models.ForeignKey("reference.UserStatus", models.PROTECT, db_column="StatusID")
    user_role = models.ForeignKey("reference.UserRole", models.PROTECT, db_column="UserRoleID")
    email_verified_at = models.DateTimeField(null=True, blank=True, db_column="EmailVerifiedAt")
    last_login = models.DateTimeField(null=True, blank=True, db_column="LastLoginAt")
    last_password_change = models.DateTimeField(null=True, blank=True, db_column="LastPasswordChange")
    failed_login_attempts = models.IntegerField(default=0, db_column="FailedLoginAttempts")
    last_failed_login_at = models.DateTimeField(null=True, blank=True, db_column="LastFailedLoginAt")
    is_locked = models.BooleanField(default=False, db_column="IsLocked")
    locked_until = models.DateTimeField(null=True, blank=True, db_column="LockedUntil")
    locked_reason = models.CharField(max_length=255, blank=True, default="", db_column="LockedReason")
    # The key of the user's most recent sign-in's session (``UserSession.session_key``), or of the
    # one session "revoke others" kept; empty once that session ends. The plan's column, kept;
    # the sessions themselves are ``dbo.UserSession``.
    session_token = models.CharField(max_length=255, blank=True, default="", db_column="SessionToken")
    # When the user's TOTP device was confirmed; NULL while MFA is off. The device (django-otp's
    # TOTPDevice) holds the secret; this copy is on the row every request reads already, so a
    # company that requires MFA checks it without another query. ``accounts.mfa`` keeps both.
    mfa_enabled_at = models.DateTimeField(null=True, blank=True, db_column="MfaEnabledAt")
    access_token_version = models.IntegerField(default=1, db_default=1, db_column="AccessTokenVersion")
    refresh_token_version = models.IntegerField(default=1, db_default=1, db_column="RefreshTokenVersion")

    objects = UserManager()

    # The session an API request is authenticated by (``VersionedJWTAuthentication``); None elsewhere.
    current_session: UserSession | None = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        db_table = "dbo.User"
        ordering = ["email"]
        constraints = [
            # Addresses are stored in normalize_email() form, so this is case-insensitive.
            models.UniqueConstraint(fields=["email"], name="UQ_User_Email"),
            models.CheckConstraint(
                condition=models.Q(failed_login_attempts__gte=0), name="CK_User_FailedLoginAttempts"
            ),
            models.CheckConstraint(
                condition=models.Q(access_token_version__gte=1, refresh_token_version__gte=1),
                name="CK_User_TokenVersions",
            ),
        ]

    def __str__(self):
        return self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name

    def is_locked_at(self, now) -> bool:
        return self.is_locked and (self.locked_until is None or self.locked_until > now)

    # AbstractBaseUser.is_active is a plain attribute; here it is derived from the row, so read-only.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        """Active status, not locked, not deleted: the only users Django lets sign in."""
        return not self.is_deleted and self.status.code == UserStatus.ACTIVE and not self.is_locked_at(timezone.now())

    @property
    def mfa_enabled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def is_system_admin(self) -> bool:
        return self.user_role.code == UserRole.SYSTEM_ADMIN

    # Staff and superuser rights follow the system_admin role; there are no Django groups.
    is_staff = is_superuser = is_system_admin

    def has_perm(self, perm, obj=None):
        return self.is_active and self.is_system_admin

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label):
        return self.is_active and self.is_system_admin

    # A back-office (Django session) sign-in lasts while the hash stored in the session matches
    # this one. Django hashes the password only; the token versions are added so that whatever
    # ends the API sessions (sign out of all devices, a lockout, suspension, a password change
    # or reset) ends the back-office ones too.
    def get_session_auth_hash(self):
        return self._session_auth_hash(secret=None)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_auth_hash(secret=secret)

    def _session_auth_hash(self, *, secret):
        material = f"{self.password}\x00{self.access_token_version}\x00{self.refresh_token_version}"
        return salted_hmac(SESSION_AUTH_HASH_SALT, material, secret=secret, algorithm="sha256").hexdigest()


class OneTimeToken(models.Model):
    """A token sent once by email; only its SHA-256 hash is stored."""

    token_hash = models.CharField(max_length=64, db_column="TokenHash")
    expires_at = models.DateTimeField(db_column="ExpiresAt")
    used_at = models.DateTimeField(null=True, blank=True, db_column="UsedAt")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")
    created_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+", db_column="CreatedBy"
    )
    updated_date = models.DateTimeField(auto_now=True, db_column="UpdatedDate")
    updated_by = models.ForeignKey(
        "accounts.User", models.PROTECT, null=True, blank=True, related_name="+", db_column="UpdatedBy"
    )

    class Meta:
        abstract = True

    def __str__(self):
        # Never the hash: a token row names its user and its life.
        state = "used" if self.used_at else "unused"
        return f"{self._meta.verbose_name} for user {self.user_id}, {state}, expires {self.expires_at:%Y-%m-%d %H:%M}"


class UserEmailVerificationToken(OneTimeToken):
    """An email verification link's token (hash only)."""

    id = models.AutoField(primary_key=True, db_column="UserEmailVerificationTokenID")
    user = models.ForeignKey(User, models.PROTECT, related_name="email_verification_tokens", db_column="UserID")

    class Meta:
        db_table = "dbo.UserEmailVerificationToken"
        constraints = [models.UniqueConstraint(fields=["token_hash"], name="UQ_UserEmailVerificationToken_TokenHash")]


class UserPasswordResetToken(OneTimeToken):
    """A password reset link's token (hash only)."""

    id = models.AutoField(primary_key=True, db_column="UserPasswordResetTokenID")
    user = models.ForeignKey(User, models.PROTECT, related_name="password_reset_tokens", db_column="UserID")
    requested_ip = models.GenericIPAddressField(null=True, blank=True, db_column="RequestedIP")

    class Meta:
        db_table = "dbo.UserPasswordResetToken"
        constraints = [models.UniqueConstraint(fields=["token_hash"], name="UQ_UserPasswordResetToken_TokenHash")]


class SessionEndReason(models.TextChoices):
    """Why a session ended (``dbo.UserSession.EndReason``)."""

    LOGOUT = "logout"
    REVOKED = "revoked"  # by its user, from another session
    LOGOUT_ALL = "logout_all"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason code, not a password
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a reason code, not a password
    REUSE_DETECTED = "reuse_detected"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_SUSPENDED = "account_suspended"
    ACCOUNT_DELETED = "account_deleted"
    ADMIN = "admin"  # ended from the back office
    ACCOUNT_SECURED = "account_secured"  # "this wasn't me", from a security email
    EMAIL_CHANGED = "email_changed"
    ACCOUNT_CLOSED = "account_closed"


class UserSession(TrackedModel):
    """One sign-in on one device: every token issued from it carries its key (claim ``sid``).

    A session ends once (``EndedAt``, ``EndReason``); its access and refresh tokens are refused
    from the next request on. ``LastSeenAt`` moves at most once a minute (``accounts.sessions``).
    ``AuthenticatedAt`` is when its user last proved who they are (sign-in or re-authentication):
    the ``auth_time`` of its tokens, which sensitive operations check. ``UpdatedBy`` is who ended
    it: its user, or the administrator who did.
    """

    EndReason = SessionEndReason

    id = models.BigAutoField(primary_key=True, db_column="UserSessionID")
    # Random (128 bits), never reused: what tokens and the API call the session.
    session_key = models.CharField(max_length=64, db_column="SessionKey")
    # Indexed by IX_UserSession_UserID_CreatedDate, which leads with it.
    user = models.ForeignKey(User, models.PROTECT, related_name="sessions", db_column="UserID", db_index=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_column="IPAddress")
    user_agent = models.CharField(max_length=500, blank=True, default="", db_column="UserAgent")
    device_label = models.CharField(max_length=200, blank=True, default="", db_column="DeviceLabel")
    authenticated_at = models.DateTimeField(db_column="AuthenticatedAt")
    last_seen_at = models.DateTimeField(db_column="LastSeenAt")
    expires_at = models.DateTimeField(db_column="ExpiresAt")
    ended_at = models.DateTimeField(null=True, blank=True, db_column="EndedAt")
    end_reason = models.CharField(
        max_length=30, blank=True, default="", choices=SessionEndReason.choices, db_column="EndReason"
    )

    class Meta:
        db_table = "dbo.UserSession"
        ordering = ["-created_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session_key"], name="UQ_UserSession_SessionKey"),
            models.CheckConstraint(
                condition=models.Q(end_reason__in=["", *SessionEndReason.values]), name="CK_UserSession_EndReason"
            ),
            # Ended exactly when a reason is given.
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True, end_reason="")
                | models.Q(ended_at__isnull=False) & ~models.Q(end_reason=""),
                name="CK_UserSession_Ended",
            ),
        ]
        indexes = [
            # A user's sessions, newest first (the sessions list, ending them all).
            models.Index(fields=["user", "created_date"], name="IX_UserSession_UserID_CreatedDate"),
        ]

    def __str__(self):
        # Never the key: a session row names its user, device and life.
        state = f"ended {self.ended_at:%Y-%m-%d %H:%M} ({self.end_reason})" if self.ended_at else "active"
        return f"Session of user {self.user_id} on {self.device_label or 'an unknown device'}, {state}"

    def is_active_at(self, now) -> bool:
        return self.ended_at is None and self.expires_at > now


class UserKnownDevice(TrackedModel):
    """A device (its label) and network a user has signed in from: a sign-in from any other
    pair gets a security email. One row per pair, counted and dated."""

    id = models.BigAutoField(primary_key=True, db_column="UserKnownDeviceID")
    # Indexed by its unique constraint, which leads with it.
    user = models.ForeignKey(User, models.PROTECT, related_name="known_devices", db_column="UserID", db_index=False)
    device_label = models.CharField(max_length=200, db_column="DeviceLabel")
    # The sign-in address's network: IPv4 /24, IPv6 /48 (an address alone changes too often).
    ip_network = models.CharField(max_length=50, db_column="IPNetwork")
    last_seen_at = models.DateTimeField(db_column="LastSeenAt")

    class Meta:
        db_table = "dbo.UserKnownDevice"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device_label", "ip_network"], name="UQ_UserKnownDevice_UserID_DeviceLabel_IPNetwork"
            )
        ]

    def __str__(self):
        return f"{self.device_label} from {self.ip_network} (user {self.user_id})"


class UserSecureAccountToken(OneTimeToken):
    """The token of a security email's "this wasn't me" link (hash only).

    ``SentTo`` is the address its email went to: after an email change, the notice to the old
    address carries a link that gives the account back to that address.
    """

    id = models.AutoField(primary_key=True, db_column="UserSecureAccountTokenID")
    user = models.ForeignKey(User, models.PROTECT, related_name="secure_account_tokens", db_column="UserID")
    sent_to = models.EmailField(max_length=254, blank=True, default="", db_column="SentTo")

    class Meta:
        db_table = "dbo.UserSecureAccountToken"
        constraints = [models.UniqueConstraint(fields=["token_hash"], name="UQ_UserSecureAccountToken_TokenHash")]


class UserMfaToken(OneTimeToken):
    """The ``mfaToken`` of a sign-in waiting for its second factor (hash only; five minutes, single use)."""

    id = models.AutoField(primary_key=True, db_column="UserMfaTokenID")
    user = models.ForeignKey(User, models.PROTECT, related_name="mfa_tokens", db_column="UserID")

    class Meta:
        db_table = "dbo.UserMfaToken"
        constraints = [models.UniqueConstraint(fields=["token_hash"], name="UQ_UserMfaToken_TokenHash")]


class UserRecoveryCode(TrackedModel):
    """One of a user's ten MFA recovery codes (hash only), each usable once.

    Regenerating deletes the old set. The codes are random (50 bits), so an unsalted SHA-256 is
    a lookup key an attacker cannot reverse, as for the one-time tokens.
    """

    id = models.BigAutoField(primary_key=True, db_column="UserRecoveryCodeID")
    # Indexed by its unique constraint, which leads with it.
    user = models.ForeignKey(User, models.PROTECT, related_name="recovery_codes", db_column="UserID", db_index=False)
    code_hash = models.CharField(max_length=64, db_column="CodeHash")
    used_at = models.DateTimeField(null=True, blank=True, db_column="UsedAt")

    class Meta:
        db_table = "dbo.UserRecoveryCode"
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="UQ_UserRecoveryCode_UserID_CodeHash")
        ]

    def __str__(self):
        # Never the hash.
        return f"Recovery code of user {self.user_id}, {'used' if self.used_at else 'unused'}"


class UserEmailChangeToken(OneTimeToken):
    """The token of an email change's confirmation link, sent to the new address (hash only)."""

    id = models.AutoField(primary_key=True, db_column="UserEmailChangeTokenID")
    user = models.ForeignKey(User, models.PROTECT, related_name="email_change_tokens", db_column="UserID")
    # In normalize_email() form; checked for uniqueness again when the link is followed.
    new_email = models.EmailField(max_length=254, db_column="NewEmail")

    class Meta:
        db_table = "dbo.UserEmailChangeToken"
        constraints = [models.UniqueConstraint(fields=["token_hash"], name="UQ_UserEmailChangeToken_TokenHash")]
