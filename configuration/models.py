"""``config`` schema: runtime settings and country validation rules, edited in the admin."""

from django.db import models

from eventlead.core.models import TrackedModel


class AppSetting(TrackedModel):
    """A business rule read by the running code (password policy, token expiry, rate limits)."""

    id = models.AutoField(primary_key=True, db_column="AppSettingID")
    setting_key = models.CharField(max_length=100, db_column="SettingKey")
    setting_value = models.TextField(db_column="SettingValue")
    default_value = models.TextField(db_column="DefaultValue")
    category = models.ForeignKey("reference.SettingCategory", models.PROTECT, db_column="SettingCategoryID")
    setting_type = models.ForeignKey("reference.SettingType", models.PROTECT, db_column="SettingTypeID")
    description = models.CharField(max_length=500, blank=True, default="", db_column="Description")
    min_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, db_column="MinValue")
    max_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True, db_column="MaxValue")
    is_editable = models.BooleanField(default=True, db_column="IsEditable")
    is_sensitive = models.BooleanField(default=False, db_column="IsSensitive")
    sort_order = models.IntegerField(default=0, db_column="SortOrder")

    class Meta:
        db_table = "config.AppSetting"
        ordering = ["category__sort_order", "sort_order", "setting_key"]
        constraints = [models.UniqueConstraint(fields=["setting_key"], name="UQ_AppSetting_SettingKey")]

    def __str__(self):
        return self.setting_key

    def natural_key(self):
        return (self.setting_key,)


class ValidationRule(TrackedModel):
    """A country-specific pattern for phone numbers, postal codes or tax ids."""

    id = models.AutoField(primary_key=True, db_column="ValidationRuleID")
    # The unique constraint below leads with CountryID, so it serves look-ups by country.
    country = models.ForeignKey("reference.Country", models.PROTECT, db_index=False, db_column="CountryID")
    rule_type = models.ForeignKey("reference.RuleType", models.PROTECT, db_column="RuleTypeID")
    rule_name = models.CharField(max_length=100, db_column="RuleName")
    validation_pattern = models.CharField(max_length=500, db_column="ValidationPattern")
    error_message = models.CharField(max_length=255, db_column="ErrorMessage")
    example_value = models.CharField(max_length=100, blank=True, default="", db_column="ExampleValue")
    description = models.CharField(max_length=500, blank=True, default="", db_column="Description")
    is_active = models.BooleanField(default=True, db_column="IsActive")
    sort_order = models.IntegerField(default=0, db_column="SortOrder")

    class Meta:
        db_table = "config.ValidationRule"
        ordering = ["country__country_code", "rule_type__sort_order", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "rule_type", "rule_name"], name="UQ_ValidationRule_CountryID_RuleTypeID_RuleName"
            )
        ]

    def __str__(self):
        return f"{self.country_id}:{self.rule_name}"
