"""``cache`` schema: ABR look-up results, keyed by what was searched."""

from django.db import models
from django.db.models import Q


class SearchType(models.TextChoices):
    ABN = "abn", "ABN"
    ACN = "acn", "ACN"
    NAME = "name", "Name"


class ABRSearch(models.Model):
    """A cached ABR look-up result, kept for validation.abr_cache_days."""

    SearchType = SearchType

    pk = models.CompositePrimaryKey("search_type", "search_value")
    search_type = models.CharField(max_length=4, choices=SearchType.choices, db_column="SearchType")
    search_value = models.CharField(max_length=200, db_column="SearchValue")
    response_json = models.JSONField(db_column="ResponseJSON")
    result_count = models.IntegerField(default=0, db_column="ResultCount")
    cached_at = models.DateTimeField(db_column="CachedAt")
    expires_at = models.DateTimeField(db_column="ExpiresAt")
    hit_count = models.IntegerField(default=0, db_column="HitCount")
    last_hit_at = models.DateTimeField(null=True, blank=True, db_column="LastHitAt")

    class Meta:
        db_table = "cache.ABRSearch"
        verbose_name = "ABR search"
        verbose_name_plural = "ABR searches"
        constraints = [
            models.CheckConstraint(condition=Q(search_type__in=SearchType.values), name="CK_ABRSearch_SearchType")
        ]
        indexes = [models.Index(fields=["expires_at"], name="IX_ABRSearch_ExpiresAt")]

    def __str__(self):
        return f"{self.search_type}:{self.search_value}"
