"""``audit`` schema: the append-only compliance trail, kept seven years.

References are plain columns (``db_constraint=False``): an audit row outlives anything.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from logging_app.models import loose_fk

MESSAGE_APPEND_ONLY = "Audit rows are append-only: they cannot be changed or deleted."


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(MESSAGE_APPEND_ONLY)

    def delete(self):
        raise AppendOnlyError(MESSAGE_APPEND_ONLY)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(MESSAGE_APPEND_ONLY)

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(MESSAGE_APPEND_ONLY)


class AppendOnlyModel(models.Model):
    """Rows are inserted once and never changed; the database refuses too (migration 0002)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(MESSAGE_APPEND_ONLY)
        # Always a plain INSERT: with a primary key set, Django would try an UPDATE first,
        # which the database's trigger refuses (and on SQL Server, dooms the transaction).
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(MESSAGE_APPEND_ONLY)


class Operation(models.TextChoices):
    INSERT = "insert"
    UPDATE = "update"
    SOFT_DELETE = "soft_delete"


class ActivityLog(AppendOnlyModel):
    """A business action: who did what to which entity."""

    id = models.BigAutoField(primary_key=True, db_column="ActivityLogID")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")
    company = loose_fk("companies.Company", "CompanyID")
    action = models.CharField(max_length=60, db_column="Action")
    entity_type = models.CharField(max_length=60, db_column="EntityType")
    entity_id = models.CharField(max_length=100, blank=True, default="", db_column="EntityID")
    description = models.CharField(max_length=500, blank=True, default="", db_column="Description")
    old_values = models.JSONField(null=True, blank=True, db_column="OldValues")
    new_values = models.JSONField(null=True, blank=True, db_column="NewValues")
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_column="IPAddress")
    user_agent = models.CharField(max_length=500, blank=True, default="", db_column="UserAgent")
    request_id = models.UUIDField(null=True, blank=True, db_column="RequestID")
    created_date = models.DateTimeField(default=timezone.now, db_column="CreatedDate")

    class Meta:
        db_table = "audit.ActivityLog"
        indexes = [
            models.Index(fields=["created_date"], name="IX_AuditActivityLog_CreatedDate"),
            models.Index(fields=["user", "created_date"], name="IX_AuditActivityLog_UserID_CreatedDate"),
            models.Index(fields=["company", "created_date"], name="IX_AuditActivityLog_CompanyID_CreatedDate"),
            models.Index(fields=["entity_type", "entity_id"], name="IX_AuditActivityLog_EntityType_EntityID"),
        ]

    def __str__(self):
        return f"{self.action} {self.entity_type} {self.entity_id}"


class EntitySnapshot(AppendOnlyModel):
    operation = models.CharField(max_length=20, choices=Operation.choices, db_column="Operation")
    changed_fields = models.JSONField(default=list, db_column="ChangedFields")
    old_values = models.JSONField(null=True, blank=True, db_column="OldValues")
    new_values = models.JSONField(null=True, blank=True, db_column="NewValues")
    changed_by = loose_fk(settings.AUTH_USER_MODEL, "ChangedBy")
    changed_date = models.DateTimeField(default=timezone.now, db_column="ChangedDate")
    request_id = models.UUIDField(null=True, blank=True, db_column="RequestID")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.operation} of {self._meta.verbose_name} at {self.changed_date:%Y-%m-%d %H:%M:%S}"


class AuditUser(EntitySnapshot):
    """A snapshot of a change to a user."""

    id = models.BigAutoField(primary_key=True, db_column="AuditUserID")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")

    class Meta:
        db_table = "audit.User"
        verbose_name = "user snapshot"
        constraints = [
            models.CheckConstraint(condition=Q(operation__in=Operation.values), name="CK_AuditUser_Operation")
        ]
        indexes = [models.Index(fields=["user", "changed_date"], name="IX_AuditUser_UserID_ChangedDate")]


class AuditCompany(EntitySnapshot):
    """A snapshot of a change to a company."""

    id = models.BigAutoField(primary_key=True, db_column="AuditCompanyID")
    company = loose_fk("companies.Company", "CompanyID")

    class Meta:
        db_table = "audit.Company"
        verbose_name = "company snapshot"
        constraints = [
            models.CheckConstraint(condition=Q(operation__in=Operation.values), name="CK_AuditCompany_Operation")
        ]
        indexes = [models.Index(fields=["company", "changed_date"], name="IX_AuditCompany_CompanyID_ChangedDate")]


class RoleScope(models.TextChoices):
    SYSTEM = "system"
    COMPANY = "company"


class AuditRole(AppendOnlyModel):
    """A change of a user's system or company role."""

    RoleScope = RoleScope

    id = models.BigAutoField(primary_key=True, db_column="AuditRoleID")
    user = loose_fk(settings.AUTH_USER_MODEL, "UserID")
    company = loose_fk("companies.Company", "CompanyID")
    role_scope = models.CharField(max_length=10, choices=RoleScope.choices, db_column="RoleScope")
    old_role_id = models.IntegerField(null=True, blank=True, db_column="OldRoleID")
    new_role_id = models.IntegerField(null=True, blank=True, db_column="NewRoleID")
    changed_by = loose_fk(settings.AUTH_USER_MODEL, "ChangedBy")
    changed_date = models.DateTimeField(default=timezone.now, db_column="ChangedDate")
    reason = models.CharField(max_length=500, blank=True, default="", db_column="Reason")
    request_id = models.UUIDField(null=True, blank=True, db_column="RequestID")

    class Meta:
        db_table = "audit.Role"
        verbose_name = "role change"
        constraints = [
            models.CheckConstraint(condition=Q(role_scope__in=RoleScope.values), name="CK_AuditRole_RoleScope")
        ]
        indexes = [
            models.Index(fields=["user", "changed_date"], name="IX_AuditRole_UserID_ChangedDate"),
            # A company's role changes, newest first: its activity feed (companies.activity).
            models.Index(fields=["company", "changed_date"], name="IX_AuditRole_CompanyID_ChangedDate"),
        ]

    def __str__(self):
        return f"{self.role_scope} role change at {self.changed_date:%Y-%m-%d %H:%M:%S}"
