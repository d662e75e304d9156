"""``dbo`` companies: the company with its ABR details, memberships and invitations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from eventlead.core.models import SoftDeleteModel


class Company(SoftDeleteModel):
    """A company profile, with its ABR details."""

    class DisplayNameSource(models.TextChoices):
        LEGAL = "legal", "Legal entity name"
        CUSTOM = "custom", "Custom display name"
        BUSINESS = "business", "Business name"

    id = models.AutoField(primary_key=True, db_column="CompanyID")
    company_name = models.CharField(max_length=200, db_column="CompanyName")
    legal_entity_name = models.CharField(max_length=200, blank=True, default="", db_column="LegalEntityName")
    business_names = models.JSONField(default=list, blank=True, db_column="BusinessNames")
    custom_display_name = models.CharField(max_length=200, blank=True, default="", db_column="CustomDisplayName")
    display_name_source = models.CharField(
        max_length=10, choices=DisplayNameSource.choices, default=DisplayNameSource.LEGAL, db_column="DisplayNameSource"
    )
    # NULL, not "", when a company has none, as the catalogue defines them; UQ_Company_ABN holds
    # among the ABNs present (DJ001).
    abn = models.CharField(max_length=11, null=True, blank=True, db_column="ABN")  # noqa: DJ001
    acn = models.CharField(max_length=9, null=True, blank=True, db_column="ACN")  # noqa: DJ001
    abn_status = models.CharField(max_length=20, blank=True, default="", db_column="ABNStatus")
    abn_status_effective_from = models.DateField(null=True, blank=True, db_column="ABNStatusEffectiveFrom")
    entity_type = models.CharField(max_length=100, blank=True, default="", db_column="EntityType")
    gst_registered = models.BooleanField(default=False, db_column="GSTRegistered")
    gst_registered_from = models.DateField(null=True, blank=True, db_column="GSTRegisteredFrom")
    country = models.ForeignKey("reference.Country", models.PROTECT, db_column="CountryID")
    industry = models.ForeignKey("reference.Industry", models.PROTECT, null=True, blank=True, db_column="IndustryID")
    phone = models.CharField(max_length=30, blank=True, default="", db_column="Phone")
    email = models.EmailField(max_length=254, blank=True, default="", db_column="Email")
    website = models.URLField(max_length=500, blank=True, default="", db_column="Website")
    address_line1 = models.CharField(max_length=200, blank=True, default="", db_column="AddressLine1")
    address_line2 = models.CharField(max_length=200, blank=True, default="", db_column="AddressLine2")
    suburb = models.CharField(max_length=100, blank=True, default="", db_column="Suburb")
    state_code = models.CharField(max_length=10, blank=True, default="", db_column="StateCode")
    postal_code = models.CharField(max_length=20, blank=True, default="", db_column="PostalCode")
    parent_company = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="subsidiaries", db_column="ParentCompanyID"
    )
    abr_last_verified_at = models.DateTimeField(null=True, blank=True, db_column="ABRLastVerifiedAt")
    # Members without MFA are refused on this company's routes (403 ``mfa_required``).
    require_mfa = models.BooleanField(default=False, db_default=False, db_column="RequireMfa")

    class Meta:
        db_table = "dbo.Company"
        verbose_name_plural = "companies"
        ordering = ["company_name"]
        constraints = [
            # Unique where present: a partial index on PostgreSQL, a filtered one on SQL Server.
            models.UniqueConstraint(fields=["abn"], condition=Q(abn__isnull=False), name="UQ_Company_ABN"),
            models.CheckConstraint(
                condition=Q(display_name_source__in=["legal", "custom", "business"]),
                name="CK_Company_DisplayNameSource",
            ),
        ]
        indexes = [models.Index(fields=["company_name"], name="IX_Company_CompanyName")]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.display_name_of(
            self.display_name_source,
            self.custom_display_name,
            self.business_names,
            self.legal_entity_name,
            self.company_name,
        )

    # The columns display_name_of() reads, in its order (for queries that select values).
    DISPLAY_NAME_COLUMNS = (
        "display_name_source",
        "custom_display_name",
        "business_names",
        "legal_entity_name",
        "company_name",
    )

    @classmethod
    def display_name_of(cls, source, custom_display_name, business_names, legal_entity_name, company_name) -> str:
        """The name users see: the custom or first business name when chosen and set, else the legal name."""
        if source == cls.DisplayNameSource.CUSTOM and custom_display_name:
            return custom_display_name
        if source == cls.DisplayNameSource.BUSINESS and business_names:
            return business_names[0]
        return legal_entity_name or company_name


class UserCompany(SoftDeleteModel):
    """A user's membership of a company."""

    id = models.AutoField(primary_key=True, db_column="UserCompanyID")
    # UQ_UserCompany_UserID_CompanyID leads with UserID and serves look-ups by user.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, db_index=False, related_name="memberships", db_column="UserID"
    )
    company = models.ForeignKey(Company, models.PROTECT, related_name="memberships", db_column="CompanyID")
    role = models.ForeignKey("reference.UserCompanyRole", models.PROTECT, db_column="UserCompanyRoleID")
    status = models.ForeignKey("reference.UserCompanyStatus", models.PROTECT, db_column="StatusID")
    joined_via = models.ForeignKey("reference.JoinedVia", models.PROTECT, db_column="JoinedViaID")
    joined_date = models.DateTimeField(default=timezone.now, db_column="JoinedDate")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", db_column="InvitedBy"
    )
    is_primary = models.BooleanField(default=False, db_column="IsPrimary")
    removed_date = models.DateTimeField(null=True, blank=True, db_column="RemovedDate")
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", db_column="RemovedBy"
    )
    removal_reason = models.CharField(max_length=500, blank=True, default="", db_column="RemovalReason")

    class Meta:
        db_table = "dbo.UserCompany"
        verbose_name = "membership"
        ordering = ["joined_date"]
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="UQ_UserCompany_UserID_CompanyID")]
        # A company's members in joining order: the member list's pages (companies.selectors).
        indexes = [models.Index(fields=["company", "joined_date"], name="IX_UserCompany_CompanyID_JoinedDate")]

    def __str__(self):
        return f"{self.user_id} in {self.company_id}"


class CompanyDetails(SoftDeleteModel):
    class Meta:
        abstract = True


class CompanyCustomerDetails(CompanyDetails):
    """A company's subscription data."""

    id = models.AutoField(primary_key=True, db_column="CompanyCustomerDetailsID")
    company = models.OneToOneField(Company, models.PROTECT, related_name="customer_details", db_column="CompanyID")
    customer_tier = models.ForeignKey("reference.CustomerTier", models.PROTECT, db_column="CustomerTierID")
    subscription_start_date = models.DateField(null=True, blank=True, db_column="SubscriptionStartDate")
    subscription_end_date = models.DateField(null=True, blank=True, db_column="SubscriptionEndDate")
    trial_ends_at = models.DateTimeField(null=True, blank=True, db_column="TrialEndsAt")
    max_users = models.IntegerField(null=True, blank=True, db_column="MaxUsers")

    class Meta:
        db_table = "dbo.CompanyCustomerDetails"
        verbose_name_plural = "company customer details"


class CompanyBillingDetails(CompanyDetails):
    """A company's billing information."""

    id = models.AutoField(primary_key=True, db_column="CompanyBillingDetailsID")
    company = models.OneToOneField(Company, models.PROTECT, related_name="billing_details", db_column="CompanyID")
    billing_email = models.EmailField(max_length=254, blank=True, default="", db_column="BillingEmail")
    billing_contact_name = models.CharField(max_length=200, blank=True, default="", db_column="BillingContactName")
    billing_phone = models.CharField(max_length=30, blank=True, default="", db_column="BillingPhone")
    billing_address_line1 = models.CharField(max_length=200, blank=True, default="", db_column="BillingAddressLine1")
    billing_address_line2 = models.CharField(max_length=200, blank=True, default="", db_column="BillingAddressLine2")
    billing_suburb = models.CharField(max_length=100, blank=True, default="", db_column="BillingSuburb")
    billing_state_code = models.CharField(max_length=10, blank=True, default="", db_column="BillingStateCode")
    billing_postal_code = models.CharField(max_length=20, blank=True, default="", db_column="BillingPostalCode")
    billing_country = models.ForeignKey(
        "reference.Country", models.PROTECT, null=True, blank=True, related_name="+", db_column="BillingCountryID"
    )
    purchase_order_reference = models.CharField(
        max_length=100, blank=True, default="", db_column="PurchaseOrderReference"
    )

    class Meta:
        db_table = "dbo.CompanyBillingDetails"
        verbose_name_plural = "company billing details"


class CompanyOrganizerDetails(CompanyDetails):
    """A company's public event-organiser profile."""

    id = models.AutoField(primary_key=True, db_column="CompanyOrganizerDetailsID")
    company = models.OneToOneField(Company, models.PROTECT, related_name="organizer_details", db_column="CompanyID")
    website = models.URLField(max_length=500, blank=True, default="", db_column="Website")
    public_email = models.EmailField(max_length=254, blank=True, default="", db_column="PublicEmail")
    public_phone = models.CharField(max_length=30, blank=True, default="", db_column="PublicPhone")
    description = models.TextField(blank=True, default="", db_column="Description")
    logo_url = models.URLField(max_length=500, blank=True, default="", db_column="LogoUrl")
    social_links = models.JSONField(default=dict, blank=True, db_column="SocialLinks")

    class Meta:
        db_table = "dbo.CompanyOrganizerDetails"
        verbose_name_plural = "company organizer details"


class UserInvitation(SoftDeleteModel):
    """An invitation to join a company's team."""

    id = models.AutoField(primary_key=True, db_column="UserInvitationID")
    company = models.ForeignKey(
        Company, models.PROTECT, db_index=False, related_name="invitations", db_column="CompanyID"
    )
    invited_email = models.EmailField(max_length=254, db_column="InvitedEmail")
    invited_first_name = models.CharField(max_length=100, blank=True, default="", db_column="InvitedFirstName")
    invited_last_name = models.CharField(max_length=100, blank=True, default="", db_column="InvitedLastName")
    role = models.ForeignKey("reference.UserCompanyRole", models.PROTECT, db_column="UserCompanyRoleID")
    status = models.ForeignKey("reference.UserInvitationStatus", models.PROTECT, db_column="StatusID")
    token_hash = models.CharField(max_length=64, db_column="TokenHash")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", db_column="InvitedBy")
    invited_at = models.DateTimeField(default=timezone.now, db_column="InvitedAt")
    expires_at = models.DateTimeField(db_column="ExpiresAt")
    accepted_at = models.DateTimeField(null=True, blank=True, db_column="AcceptedAt")
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", db_column="AcceptedUserID"
    )
    declined_at = models.DateTimeField(null=True, blank=True, db_column="DeclinedAt")
    decline_reason = models.CharField(max_length=500, blank=True, default="", db_column="DeclineReason")
    cancelled_at = models.DateTimeField(null=True, blank=True, db_column="CancelledAt")
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", db_column="CancelledBy"
    )
    cancellation_reason = models.CharField(max_length=500, blank=True, default="", db_column="CancellationReason")
    # Set when an invitation is marked expired, so "open" is visible to the database.
    expired_at = models.DateTimeField(null=True, blank=True, db_column="ExpiredAt")
    resend_count = models.IntegerField(default=0, db_column="ResendCount")
    last_resent_at = models.DateTimeField(null=True, blank=True, db_column="LastResentAt")

    class Meta:
        db_table = "dbo.UserInvitation"
        ordering = ["-invited_at"]
        constraints = [
            models.UniqueConstraint(fields=["token_hash"], name="UQ_UserInvitation_TokenHash"),
            # At most one open (pending) invitation per company and address.
            models.UniqueConstraint(
                fields=["company", "invited_email"],
                condition=Q(
                    accepted_at__isnull=True,
                    declined_at__isnull=True,
                    cancelled_at__isnull=True,
                    expired_at__isnull=True,
                ),
                name="UQ_UserInvitation_CompanyID_InvitedEmail_Open",
            ),
            models.CheckConstraint(condition=Q(resend_count__gte=0), name="CK_UserInvitation_ResendCount"),
        ]
        indexes = [
            models.Index(fields=["company", "status"], name="IX_UserInvitation_CompanyID_StatusID"),
            models.Index(fields=["invited_email"], name="IX_UserInvitation_InvitedEmail"),
            # A company's invitations, newest first: the invitation list's pages (companies.selectors).
            models.Index(fields=["company", "invited_at"], name="IX_UserInvitation_CompanyID_InvitedAt"),
        ]

    def __str__(self):
        return f"{self.invited_email} to {self.company_id}"
