"""The expected database as data: the tables of the catalogue, their columns, the seed counts.

The source is ``spec/tables.md`` (the Epic 1 table catalogue), which fills in the tables the
design document names. Each table keeps the columns the catalogue lists for it (``documented``)
apart from the columns the naming standard adds to every table of its kind (``conventions``),
so a check can say which rule a missing column breaks. Extra columns in the database are
allowed; missing ones are not.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

from .naming import SCHEMAS

TRACKED_COLUMNS = ("CreatedDate", "CreatedBy", "UpdatedDate", "UpdatedBy")
SOFT_DELETE_COLUMNS = ("IsDeleted", "DeletedDate", "DeletedBy")
REFERENCE_COLUMNS = ("Code", "DisplayName", "Description", "SortOrder", "IsActive", "CreatedDate", "UpdatedDate")


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    documented: tuple[str, ...]
    conventions: tuple[str, ...] = ()
    # The key columns when not the first documented one (cache.ABRSearch has a composite key).
    key: tuple[str, ...] = ()

    @property
    def db_table(self) -> str:
        """The name models use: ``"dbo.User"``."""
        return f"{self.schema}.{self.name}"

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column the table must have, documented ones first, without repeats."""
        return tuple(dict.fromkeys(self.documented + self.conventions))

    @property
    def primary_key(self) -> tuple[str, ...]:
        return self.key or self.documented[:1]

    @property
    def soft_deletes(self) -> bool:
        return set(SOFT_DELETE_COLUMNS) <= set(self.conventions)


@dataclass(frozen=True)
class SeedCount:
    """Rows a table must hold after seeding: exactly ``rows``, or at least ``rows``."""

    db_table: str
    rows: int
    at_least: bool = False

    @property
    def target(self) -> str:
        return f"at least {self.rows}" if self.at_least else str(self.rows)

    def accepts(self, count: int) -> bool:
        return count >= self.rows if self.at_least else count == self.rows


@dataclass(frozen=True)
class Catalogue:
    tables: tuple[Table, ...]
    seeds: tuple[SeedCount, ...] = field(default=())

    def table(self, db_table: str) -> Table | None:
        return next((table for table in self.tables if table.db_table == db_table), None)

    def counts_by_schema(self) -> dict[str, int]:
        """Tables per schema, in the order of ``SCHEMAS``: dbo 12, ref 13, config 2, ..."""
        counts = Counter(table.schema for table in self.tables)
        return {schema: counts[schema] for schema in SCHEMAS}

    def with_tables(self, *tables: Table) -> Catalogue:
        """A copy with more tables (a check run against a catalogue the database lacks)."""
        return replace(self, tables=self.tables + tables)


def _tracked(name: str, *columns: str) -> Table:
    return Table("dbo", name, columns, TRACKED_COLUMNS)


def _entity(name: str, *columns: str) -> Table:
    """A ``dbo`` entity table: soft-deleted, never removed."""
    return Table("dbo", name, columns, TRACKED_COLUMNS + SOFT_DELETE_COLUMNS)


def _reference(name: str, *columns: str) -> Table:
    return Table("ref", name, (f"{name}ID", *columns), REFERENCE_COLUMNS)


def _table(schema: str, name: str, *columns: str, key: tuple[str, ...] = ()) -> Table:
    return Table(schema, name, columns, key=key)


DBO = (
    _entity(
        "User",
        "UserID",
        "Email",
        "PasswordHash",
        "FirstName",
        "LastName",
        "Phone",
        "RoleTitle",
        "ProfilePictureUrl",
        "TimezoneIdentifier",
        "LanguageID",
        "CountryID",
        "StatusID",
        "UserRoleID",
        "EmailVerifiedAt",
        "LastLoginAt",
        "LastPasswordChange",
        "FailedLoginAttempts",
        "LastFailedLoginAt",
        "IsLocked",
        "LockedUntil",
        "LockedReason",
        "SessionToken",
        "MfaEnabledAt",
        "AccessTokenVersion",
        "RefreshTokenVersion",
    ),
    _entity(
        "Company",
        "CompanyID",
        "CompanyName",
        "LegalEntityName",
        "BusinessNames",
        "CustomDisplayName",
        "DisplayNameSource",
        "ABN",
        "ACN",
        "ABNStatus",
        "ABNStatusEffectiveFrom",
        "EntityType",
        "GSTRegistered",
        "GSTRegisteredFrom",
        "CountryID",
        "IndustryID",
        "Phone",
        "Email",
        "Website",
        "AddressLine1",
        "AddressLine2",
        "Suburb",
        "StateCode",
        "PostalCode",
        "ParentCompanyID",
        "ABRLastVerifiedAt",
        "RequireMfa",
    ),
    _entity(
        "UserCompany",
        "UserCompanyID",
        "UserID",
        "CompanyID",
        "UserCompanyRoleID",
        "StatusID",
        "JoinedViaID",
        "JoinedDate",
        "InvitedBy",
        "IsPrimary",
        "RemovedDate",
        "RemovedBy",
        "RemovalReason",
    ),
    _entity(
        "CompanyCustomerDetails",
        "CompanyCustomerDetailsID",
        "CompanyID",
        "CustomerTierID",
        "SubscriptionStartDate",
        "SubscriptionEndDate",
        "TrialEndsAt",
        "MaxUsers",
    ),
    _entity(
        "CompanyBillingDetails",
        "CompanyBillingDetailsID",
        "CompanyID",
        "BillingEmail",
        "BillingContactName",
        "BillingPhone",
        "BillingAddressLine1",
        "BillingAddressLine2",
        "BillingSuburb",
        "BillingStateCode",
        "BillingPostalCode",
        "BillingCountryID",
        "PurchaseOrderReference",
    ),
    _entity(
        "CompanyOrganizerDetails",
        "CompanyOrganizerDetailsID",
        "CompanyID",
        "Website",
        "PublicEmail",
        "PublicPhone",
        "Description",
        "LogoUrl",
        "SocialLinks",
    ),
    # The document's Token column is TokenHash: only a hash of a token is ever stored.
    _entity(
        "UserInvitation",
        "UserInvitationID",
        "CompanyID",
        "InvitedEmail",
        "InvitedFirstName",
        "InvitedLastName",
        "UserCompanyRoleID",
        "StatusID",
        "TokenHash",
        "InvitedBy",
        "InvitedAt",
        "ExpiresAt",
        "AcceptedAt",
        "AcceptedUserID",
        "DeclinedAt",
        "DeclineReason",
        "CancelledAt",
        "CancelledBy",
        "CancellationReason",
        "ResendCount",
        "LastResentAt",
    ),
    _tracked(
        "UserEmailVerificationToken",
        "UserEmailVerificationTokenID",
        "UserID",
        "TokenHash",
        "ExpiresAt",
        "UsedAt",
        "CreatedDate",
    ),
    _tracked(
        "UserPasswordResetToken",
        "UserPasswordResetTokenID",
        "UserID",
        "TokenHash",
        "ExpiresAt",
        "UsedAt",
        "RequestedIP",
        "CreatedDate",
    ),
    # Added with account security: one row per sign-in on one device, the devices and networks
    # an account is known by, and the one-time token of a security email's "this wasn't me" link.
    _tracked(
        "UserSession",
        "UserSessionID",
        "SessionKey",
        "UserID",
        "IPAddress",
        "UserAgent",
        "DeviceLabel",
        "AuthenticatedAt",
        "LastSeenAt",
        "ExpiresAt",
        "EndedAt",
        "EndReason",
        "CreatedDate",
    ),
    _tracked("UserKnownDevice", "UserKnownDeviceID", "UserID", "DeviceLabel", "IPNetwork", "LastSeenAt", "CreatedDate"),
    _tracked(
        "UserSecureAccountToken",
        "UserSecureAccountTokenID",
        "UserID",
        "SentTo",
        "TokenHash",
        "ExpiresAt",
        "UsedAt",
        "CreatedDate",
    ),
    # Added with MFA and the account lifecycle: a sign-in's token while it waits for its second
    # factor, the recovery codes (hashes), and an email change's confirmation token.
    _tracked("UserMfaToken", "UserMfaTokenID", "UserID", "TokenHash", "ExpiresAt", "UsedAt", "CreatedDate"),
    _tracked("UserRecoveryCode", "UserRecoveryCodeID", "UserID", "CodeHash", "UsedAt", "CreatedDate"),
    _tracked(
        "UserEmailChangeToken",
        "UserEmailChangeTokenID",
        "UserID",
        "NewEmail",
        "TokenHash",
        "ExpiresAt",
        "UsedAt",
        "CreatedDate",
    ),
)

REF = (
    _reference(
        "Country",
        "CountryCode",
        "CountryCode3",
        "CountryName",
        "PhonePrefix",
        "CurrencyCode",
        "CurrencySymbol",
        "CurrencyName",
        "TaxRate",
        "TaxName",
        "TaxInclusive",
        "TaxNumberLabel",
        "CompanyValidationProvider",
        "AddressValidationProvider",
        "IntegrationConfig",
    ),
    _reference("Language", "LanguageCode", "LanguageName", "NativeName"),
    _reference("Industry", "IndustryCode", "IndustryName"),
    _reference("UserStatus"),
    _reference("UserInvitationStatus"),
    _reference("UserRole"),
    _reference("UserCompanyRole"),
    _reference("UserCompanyStatus"),
    _reference("SettingCategory"),
    _reference("SettingType"),
    _reference("RuleType"),
    _reference("CustomerTier", "MaxUsers", "MonthlyPrice"),
    _reference("JoinedVia"),
)

CONFIG = (
    _table(
        "config",
        "AppSetting",
        "AppSettingID",
        "SettingKey",
        "SettingValue",
        "DefaultValue",
        "SettingCategoryID",
        "SettingTypeID",
        "Description",
        "MinValue",
        "MaxValue",
        "IsEditable",
        "IsSensitive",
        "SortOrder",
        "CreatedDate",
        "CreatedBy",
        "UpdatedDate",
        "UpdatedBy",
    ),
    _table(
        "config",
        "ValidationRule",
        "ValidationRuleID",
        "CountryID",
        "RuleTypeID",
        "RuleName",
        "ValidationPattern",
        "ErrorMessage",
        "ExampleValue",
        "Description",
        "IsActive",
        "SortOrder",
        "CreatedDate",
        "CreatedBy",
        "UpdatedDate",
        "UpdatedBy",
    ),
)

LOG = (
    _table(
        "log",
        "ApiRequest",
        "ApiRequestID",
        "RequestID",
        "Method",
        "Path",
        "QueryString",
        "StatusCode",
        "DurationMs",
        "UserID",
        "CompanyID",
        "IPAddress",
        "UserAgent",
        "RequestBytes",
        "ResponseBytes",
        "CreatedDate",
    ),
    _table(
        "log",
        "AuthEvent",
        "AuthEventID",
        "UserID",
        "Email",
        "EventType",
        "FailureReason",
        "IPAddress",
        "UserAgent",
        "RequestID",
        "CreatedDate",
    ),
    _table(
        "log",
        "ApplicationError",
        "ApplicationErrorID",
        "RequestID",
        "Severity",
        "ErrorType",
        "Message",
        "StackTrace",
        "Method",
        "Path",
        "UserID",
        "CreatedDate",
    ),
    _table(
        "log",
        "EmailDelivery",
        "EmailDeliveryID",
        "RecipientEmail",
        "EmailType",
        "Subject",
        "Status",
        "ProviderMessageID",
        "ErrorMessage",
        "AttemptCount",
        "UserID",
        "UserInvitationID",
        "SentAt",
        "CreatedDate",
    ),
    # Added with the back office's dashboard (issue 17): each ABR search and how it was answered.
    _table("log", "ABRLookup", "ABRLookupID", "SearchType", "Outcome", "CreatedDate"),
)

AUDIT = (
    _table(
        "audit",
        "ActivityLog",
        "ActivityLogID",
        "UserID",
        "CompanyID",
        "Action",
        "EntityType",
        "EntityID",
        "Description",
        "OldValues",
        "NewValues",
        "IPAddress",
        "UserAgent",
        "RequestID",
        "CreatedDate",
    ),
    # audit.User and audit.Company share their names with dbo tables, hence Audit<Name>ID.
    _table(
        "audit",
        "User",
        "AuditUserID",
        "UserID",
        "Operation",
        "ChangedFields",
        "OldValues",
        "NewValues",
        "ChangedBy",
        "ChangedDate",
        "RequestID",
    ),
    _table(
        "audit",
        "Company",
        "AuditCompanyID",
        "CompanyID",
        "Operation",
        "ChangedFields",
        "OldValues",
        "NewValues",
        "ChangedBy",
        "ChangedDate",
        "RequestID",
    ),
    _table(
        "audit",
        "Role",
        "AuditRoleID",
        "UserID",
        "CompanyID",
        "RoleScope",
        "OldRoleID",
        "NewRoleID",
        "ChangedBy",
        "ChangedDate",
        "Reason",
        "RequestID",
    ),
)

CACHE = (
    _table(
        "cache",
        "ABRSearch",
        "SearchType",
        "SearchValue",
        "ResponseJSON",
        "ResultCount",
        "CachedAt",
        "ExpiresAt",
        "HitCount",
        "LastHitAt",
        key=("SearchType", "SearchValue"),
    ),
)

SEEDS = (
    SeedCount("ref.UserStatus", 4),
    SeedCount("ref.UserInvitationStatus", 5),
    SeedCount("ref.UserRole", 2),
    SeedCount("ref.UserCompanyRole", 3),
    SeedCount("ref.UserCompanyStatus", 3),
    SeedCount("ref.SettingCategory", 4),
    SeedCount("ref.SettingType", 5),
    SeedCount("ref.RuleType", 5),
    SeedCount("ref.CustomerTier", 4),
    SeedCount("ref.JoinedVia", 3),
    # Every ISO 3166-1 country and ISO 639-1 language; the data library may add entries.
    SeedCount("ref.Country", 249, at_least=True),
    SeedCount("ref.Language", 180, at_least=True),
    SeedCount("ref.Industry", 19),  # the ANZSIC 2006 divisions A to S
    # The catalogue's 15, plus the invitation email limit and its window (issue 13; README).
    SeedCount("config.AppSetting", 18),
    SeedCount("config.ValidationRule", 20),
)

CATALOGUE = Catalogue(tables=DBO + REF + CONFIG + LOG + AUDIT + CACHE, seeds=SEEDS)
