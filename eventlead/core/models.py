"""Abstract column sets the naming standard requires on every table of a kind."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class TrackedModel(models.Model):
    """``CreatedDate``, ``CreatedBy``, ``UpdatedDate``, ``UpdatedBy``: every ``dbo`` table."""

    created_date = models.DateTimeField(default=timezone.now, editable=False, db_column="CreatedDate")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_column="CreatedBy",
    )
    updated_date = models.DateTimeField(auto_now=True, db_column="UpdatedDate")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_column="UpdatedBy",
    )

    class Meta:
        abstract = True


class SoftDeleteModel(TrackedModel):
    """Adds ``IsDeleted``, ``DeletedDate``, ``DeletedBy``: entity rows are never removed."""

    is_deleted = models.BooleanField(default=False, db_column="IsDeleted")
    deleted_date = models.DateTimeField(null=True, blank=True, db_column="DeletedDate")
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        db_column="DeletedBy",
    )

    class Meta:
        abstract = True
