"""``log`` schema: technical logs, high volume, 90-day retention, never a foreign key constraint.

Log rows must never block a change to the rows they mention, so user and company references
are plain columns (``db_constraint=False``) that the ORM can still follow.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from abrcache.models import SearchType


def loose_fk(to, column, **kwargs):
    """A reference without a database constraint, indexed only where an index is declared."""
    return models.ForeignKey(
        to,
        models.DO_NOTHING,
        null=True,
        blank=True,
        db_constraint=False,
        db_index=False,
        related_name="+",
        db_column=column,
        **kwargs,
    )


class ApiRequest(models.Model):
    """One HTTP request to the API."""

    id = models.BigAutoField(primary_key=True, db_column="ApiRequestID")
    request_id = models.UUIDField(db_column="RequestID")
    method = models.CharField(max_length=10, db_column="Method")
    path = models.CharField(max_length=500, db_column="Path")
    query_string = models.CharField(max_length=2000, blank=True, default="", db_column="QueryString")
    status_code = models.SmallIntegerField(db_column="StatusCode")
    duration_ms = models.IntegerField(db_column="DurationMs")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")
    company = loose_fk("companies.Company", "CompanyID")
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_column="IPAddress")
    user_agent = models.CharField(max_length=500, blank=True, default="", db_column="UserAgent")
    request_bytes = models.IntegerField(default=0, db_column="RequestBytes")
    response_bytes = models.IntegerField(default=0, db_column="ResponseBytes")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")

    class Meta:
        db_table = "log.ApiRequest"
        verbose_name = "API request"
        indexes = [
            # Not unique: a client may send the same X-Request-ID twice.
            models.Index(fields=["request_id"], name="IX_ApiRequest_RequestID"),
            models.Index(fields=["created_date"], name="IX_ApiRequest_CreatedDate"),
            models.Index(fields=["user", "created_date"], name="IX_ApiRequest_UserID_CreatedDate"),
        ]

    def __str__(self):
        return f"{self.method} {self.path} {self.status_code}"


class AuthEventType(models.TextChoices):
    # Event codes, not secrets: S105 reads TOKEN and PASSWORD in a name as one.
    LOGIN_SUCCESS = "login_success"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    ACCOUNT_UNLOCKED = "account_unlocked"
    LOGOUT = "logout"
    LOGOUT_ALL = "logout_all"
    TOKEN_REFRESHED = "token_refreshed"  # noqa: S105
    EMAIL_VERIFIED = "email_verified"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105
    PASSWORD_RESET_COMPLETED = "password_reset_completed"  # noqa: S105
    PASSWORD_CHANGED = "password_changed"  # noqa: S105
    SESSION_ENDED = "session_ended"  # one session, by its user (revoke) or an administrator
    TOKEN_REUSE_DETECTED = "token_reuse_detected"  # noqa: S105 - a rotated refresh token came back
    REAUTHENTICATED = "reauthenticated"
    ACCOUNT_SECURED = "account_secured"  # "this wasn't me"
    MFA_CHALLENGED = "mfa_challenged"  # the password was right; a second factor is asked for
    MFA_ENABLED = "mfa_enabled"
    MFA_DISABLED = "mfa_disabled"  # by its user, or reset by an administrator (reason given)
    RECOVERY_CODE_USED = "recovery_code_used"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"
    ACCOUNT_CLOSED = "account_closed"


class AuthEvent(models.Model):
    """An authentication event."""

    EventType = AuthEventType

    id = models.BigAutoField(primary_key=True, db_column="AuthEventID")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")
    email = models.CharField(max_length=254, blank=True, default="", db_column="Email")
    event_type = models.CharField(max_length=40, choices=AuthEventType.choices, db_column="EventType")
    failure_reason = models.CharField(max_length=100, blank=True, default="", db_column="FailureReason")
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_column="IPAddress")
    user_agent = models.CharField(max_length=500, blank=True, default="", db_column="UserAgent")
    request_id = models.UUIDField(null=True, blank=True, db_column="RequestID")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")

    class Meta:
        db_table = "log.AuthEvent"
        constraints = [
            models.CheckConstraint(condition=Q(event_type__in=AuthEventType.values), name="CK_AuthEvent_EventType")
        ]
        indexes = [
            models.Index(fields=["created_date"], name="IX_AuthEvent_CreatedDate"),
            models.Index(fields=["user", "created_date"], name="IX_AuthEvent_UserID_CreatedDate"),
            models.Index(fields=["email"], name="IX_AuthEvent_Email"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.email}"


class ApplicationError(models.Model):
    """An unhandled application error."""

    id = models.BigAutoField(primary_key=True, db_column="ApplicationErrorID")
    request_id = models.UUIDField(null=True, blank=True, db_column="RequestID")
    severity = models.CharField(max_length=20, default="error", db_column="Severity")
    error_type = models.CharField(max_length=200, db_column="ErrorType")
    message = models.TextField(blank=True, default="", db_column="Message")
    stack_trace = models.TextField(blank=True, default="", db_column="StackTrace")
    method = models.CharField(max_length=10, blank=True, default="", db_column="Method")
    path = models.CharField(max_length=500, blank=True, default="", db_column="Path")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")

    class Meta:
        db_table = "log.ApplicationError"
        indexes = [
            models.Index(fields=["created_date"], name="IX_ApplicationError_CreatedDate"),
            models.Index(fields=["request_id"], name="IX_ApplicationError_RequestID"),
        ]

    def __str__(self):
        return f"{self.error_type}: {self.message[:60]}"


class EmailType(models.TextChoices):
    # Email type codes, not secrets (S105).
    EMAIL_VERIFICATION = "email_verification"
    PASSWORD_RESET = "password_reset"  # noqa: S105
    INVITATION = "invitation"
    ACCOUNT_LOCKED = "account_locked"
    SIGNUP_EXISTING_ACCOUNT = "signup_existing_account"
    # Security notices, each about one auth event (its time, IP and device) with a "this wasn't me" link.
    SECURITY_PASSWORD_CHANGED = "security_password_changed"  # noqa: S105
    SECURITY_PASSWORD_RESET = "security_password_reset"  # noqa: S105
    SECURITY_NEW_DEVICE = "security_new_device"
    SECURITY_TOKEN_REUSE = "security_token_reuse"  # noqa: S105
    SECURITY_MFA_ENABLED = "security_mfa_enabled"
    SECURITY_MFA_DISABLED = "security_mfa_disabled"
    SECURITY_RECOVERY_CODE_USED = "security_recovery_code_used"
    SECURITY_RECOVERY_CODES_REGENERATED = "security_recovery_codes_regenerated"
    SECURITY_EMAIL_CHANGE_REQUESTED = "security_email_change_requested"  # to the old address
    SECURITY_EMAIL_CHANGED = "security_email_changed"  # to the old address
    # Email change, to the new address: the confirmation link, or (address taken) a notice.
    EMAIL_CHANGE_CONFIRM = "email_change_confirm"
    EMAIL_CHANGE_ADDRESS_TAKEN = "email_change_address_taken"


class EmailStatus(models.TextChoices):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class EmailDelivery(models.Model):
    """One email and its delivery attempts."""

    EmailType = EmailType

    Status = EmailStatus

    id = models.BigAutoField(primary_key=True, db_column="EmailDeliveryID")
    recipient_email = models.CharField(max_length=254, db_column="RecipientEmail")
    email_type = models.CharField(max_length=40, choices=EmailType.choices, db_column="EmailType")
    subject = models.CharField(max_length=255, db_column="Subject")
    status = models.CharField(
        max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED, db_column="Status"
    )
    provider_message_id = models.CharField(max_length=255, blank=True, default="", db_column="ProviderMessageID")
    error_message = models.TextField(blank=True, default="", db_column="ErrorMessage")
    attempt_count = models.IntegerField(default=0, db_column="AttemptCount")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")
    user_invitation = loose_fk("companies.UserInvitation", "UserInvitationID")
    # The event a security notice is about (what, when, from which IP and device).
    auth_event = loose_fk("logging_app.AuthEvent", "AuthEventID")
    sent_at = models.DateTimeField(null=True, blank=True, db_column="SentAt")
    # Set while one process is sending the message: no other may claim it before then. A process
    # that dies mid-send leaves it set; send_pending_emails takes the row again once it has passed.
    claimed_until = models.DateTimeField(null=True, blank=True, db_column="ClaimedUntil")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")

    class Meta:
        db_table = "log.EmailDelivery"
        verbose_name_plural = "email deliveries"
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EmailStatus.values), name="CK_EmailDelivery_Status"),
            models.CheckConstraint(condition=Q(email_type__in=EmailType.values), name="CK_EmailDelivery_EmailType"),
        ]
        indexes = [
            models.Index(fields=["created_date"], name="IX_EmailDelivery_CreatedDate"),
            models.Index(fields=["status", "created_date"], name="IX_EmailDelivery_Status_CreatedDate"),
            models.Index(fields=["recipient_email"], name="IX_EmailDelivery_RecipientEmail"),
            # A user's emails, newest first: their page in the back office and its list.
            models.Index(fields=["user", "created_date"], name="IX_EmailDelivery_UserID_CreatedDate"),
        ]

    def __str__(self):
        return f"{self.email_type} to {self.recipient_email} ({self.status})"


class AbrLookupOutcome(models.TextChoices):
    HIT = "hit"  # a fresh entry of cache.ABRSearch answered; ABR was not asked
    MISS = "miss"  # ABR was asked and answered
    STALE = "stale"  # ABR failed; an expired cached answer was served
    FAILED = "failed"  # ABR failed and nothing was cached: the caller got no answer


class AbrLookup(models.Model):
    """One ABR search and how it was answered (``abrcache.services.abr_search``).

    ``cache.ABRSearch`` keeps a lifetime hit count per key; these rows put the cache's hit rate
    and ABR's failures on a timeline for the back office's dashboard. What was searched for is
    left out: the outcome over time is the point, and the cache holds the searches themselves.
    """

    Outcome = AbrLookupOutcome

    id = models.BigAutoField(primary_key=True, db_column="ABRLookupID")
    search_type = models.CharField(max_length=4, choices=SearchType.choices, db_column="SearchType")
    outcome = models.CharField(max_length=10, choices=AbrLookupOutcome.choices, db_column="Outcome")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")

    class Meta:
        db_table = "log.ABRLookup"
        verbose_name = "ABR lookup"
        constraints = [
            models.CheckConstraint(condition=Q(search_type__in=SearchType.values), name="CK_ABRLookup_SearchType"),
            models.CheckConstraint(condition=Q(outcome__in=AbrLookupOutcome.values), name="CK_ABRLookup_Outcome"),
        ]
        indexes = [models.Index(fields=["created_date"], name="IX_ABRLookup_CreatedDate")]

    def __str__(self):
        return f"{self.search_type} lookup: {self.outcome}"
