"""``ref`` schema: lookup tables for every enum-like field (ADR-004)."""

from typing import Self, TypeVar

from django.db import models

_Row = TypeVar("_Row", bound=models.Model)


class ReferenceQuerySet(models.QuerySet[_Row]):
    def active(self) -> Self:
        return self.filter(is_active=True)


class ReferenceModel(models.Model):
    """The columns every ``ref`` table has; ``Code`` is the stable key code uses."""

    code = models.CharField(max_length=60, db_column="Code")
    display_name = models.CharField(max_length=120, db_column="DisplayName")
    description = models.CharField(max_length=500, blank=True, default="", db_column="Description")
    sort_order = models.IntegerField(default=0, db_column="SortOrder")
    is_active = models.BooleanField(default=True, db_column="IsActive")
    created_date = models.DateTimeField(auto_now_add=True, db_column="CreatedDate")
    updated_date = models.DateTimeField(auto_now=True, db_column="UpdatedDate")

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["sort_order", "display_name"]

    def __str__(self):
        return self.display_name

    def natural_key(self):
        return (self.code,)


class Country(ReferenceModel):
    """A country, with its currency, tax and integration configuration."""

    id = models.AutoField(primary_key=True, db_column="CountryID")
    country_code = models.CharField(max_length=2, db_column="CountryCode")
    country_code3 = models.CharField(max_length=3, blank=True, default="", db_column="CountryCode3")
    country_name = models.CharField(max_length=120, db_column="CountryName")
    phone_prefix = models.CharField(max_length=10, blank=True, default="", db_column="PhonePrefix")
    currency_code = models.CharField(max_length=3, blank=True, default="", db_column="CurrencyCode")
    currency_symbol = models.CharField(max_length=10, blank=True, default="", db_column="CurrencySymbol")
    currency_name = models.CharField(max_length=100, blank=True, default="", db_column="CurrencyName")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True, db_column="TaxRate")
    tax_name = models.CharField(max_length=50, blank=True, default="", db_column="TaxName")
    tax_inclusive = models.BooleanField(default=False, db_column="TaxInclusive")
    tax_number_label = models.CharField(max_length=50, blank=True, default="", db_column="TaxNumberLabel")
    company_validation_provider = models.CharField(
        max_length=50, blank=True, default="", db_column="CompanyValidationProvider"
    )
    address_validation_provider = models.CharField(
        max_length=50, blank=True, default="", db_column="AddressValidationProvider"
    )
    integration_config = models.JSONField(null=True, blank=True, db_column="IntegrationConfig")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.Country"
        verbose_name_plural = "countries"
        constraints = [
            models.UniqueConstraint(fields=["code"], name="UQ_Country_Code"),
            models.UniqueConstraint(fields=["country_code"], name="UQ_Country_CountryCode"),
            models.CheckConstraint(
                condition=models.Q(tax_rate__isnull=True) | models.Q(tax_rate__gte=0, tax_rate__lt=1),
                name="CK_Country_TaxRate",
            ),
        ]


class Language(ReferenceModel):
    """A language (ISO 639-1)."""

    id = models.AutoField(primary_key=True, db_column="LanguageID")
    language_code = models.CharField(max_length=2, db_column="LanguageCode")
    language_name = models.CharField(max_length=120, db_column="LanguageName")
    native_name = models.CharField(max_length=120, blank=True, default="", db_column="NativeName")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.Language"
        constraints = [
            models.UniqueConstraint(fields=["code"], name="UQ_Language_Code"),
            models.UniqueConstraint(fields=["language_code"], name="UQ_Language_LanguageCode"),
        ]


class Industry(ReferenceModel):
    """An industry: the ANZSIC 2006 divisions."""

    id = models.AutoField(primary_key=True, db_column="IndustryID")
    industry_code = models.CharField(max_length=10, db_column="IndustryCode")
    industry_name = models.CharField(max_length=200, db_column="IndustryName")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.Industry"
        verbose_name_plural = "industries"
        constraints = [
            models.UniqueConstraint(fields=["code"], name="UQ_Industry_Code"),
            models.UniqueConstraint(fields=["industry_code"], name="UQ_Industry_IndustryCode"),
        ]


class UserStatus(ReferenceModel):
    """A user's account status."""

    ACTIVE, PENDING, SUSPENDED, LOCKED = "active", "pending", "suspended", "locked"

    id = models.AutoField(primary_key=True, db_column="UserStatusID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.UserStatus"
        verbose_name_plural = "user statuses"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_UserStatus_Code")]


class UserInvitationStatus(ReferenceModel):
    """A team invitation's status."""

    PENDING, ACCEPTED, DECLINED, EXPIRED, CANCELLED = "pending", "accepted", "declined", "expired", "cancelled"

    id = models.AutoField(primary_key=True, db_column="UserInvitationStatusID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.UserInvitationStatus"
        verbose_name_plural = "user invitation statuses"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_UserInvitationStatus_Code")]


class UserRole(ReferenceModel):
    """A system-level role."""

    SYSTEM_ADMIN, COMPANY_USER = "system_admin", "company_user"

    id = models.AutoField(primary_key=True, db_column="UserRoleID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.UserRole"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_UserRole_Code")]


class UserCompanyRole(ReferenceModel):
    """A role within a company."""

    COMPANY_ADMIN, COMPANY_USER, COMPANY_VIEWER = "company_admin", "company_user", "company_viewer"

    id = models.AutoField(primary_key=True, db_column="UserCompanyRoleID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.UserCompanyRole"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_UserCompanyRole_Code")]


class UserCompanyStatus(ReferenceModel):
    """A membership's status."""

    ACTIVE, SUSPENDED, REMOVED = "active", "suspended", "removed"

    id = models.AutoField(primary_key=True, db_column="UserCompanyStatusID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.UserCompanyStatus"
        verbose_name_plural = "user company statuses"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_UserCompanyStatus_Code")]


class SettingCategory(ReferenceModel):
    """A group of application settings."""

    id = models.AutoField(primary_key=True, db_column="SettingCategoryID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.SettingCategory"
        verbose_name_plural = "setting categories"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_SettingCategory_Code")]


class SettingType(ReferenceModel):
    """The data type of an application setting."""

    INTEGER, BOOLEAN, STRING, JSON, DECIMAL = "integer", "boolean", "string", "json", "decimal"

    id = models.AutoField(primary_key=True, db_column="SettingTypeID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.SettingType"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_SettingType_Code")]


class RuleType(ReferenceModel):
    """The kind of value a validation rule checks."""

    PHONE, POSTAL_CODE, TAX_ID, EMAIL, ADDRESS = "phone", "postal_code", "tax_id", "email", "address"

    id = models.AutoField(primary_key=True, db_column="RuleTypeID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.RuleType"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_RuleType_Code")]


class CustomerTier(ReferenceModel):
    """A subscription tier."""

    FREE = "free"

    id = models.AutoField(primary_key=True, db_column="CustomerTierID")
    max_users = models.IntegerField(null=True, blank=True, db_column="MaxUsers")
    monthly_price = models.DecimalField(max_digits=10, decimal_places=2, default=0, db_column="MonthlyPrice")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.CustomerTier"
        constraints = [
            models.UniqueConstraint(fields=["code"], name="UQ_CustomerTier_Code"),
            models.CheckConstraint(condition=models.Q(monthly_price__gte=0), name="CK_CustomerTier_MonthlyPrice"),
        ]


class JoinedVia(ReferenceModel):
    """How a user joined a company."""

    SIGNUP, INVITATION, TRANSFER = "signup", "invitation", "transfer"

    id = models.AutoField(primary_key=True, db_column="JoinedViaID")

    class Meta(ReferenceModel.Meta):
        db_table = "ref.JoinedVia"
        verbose_name_plural = "joined via"
        constraints = [models.UniqueConstraint(fields=["code"], name="UQ_JoinedVia_Code")]
