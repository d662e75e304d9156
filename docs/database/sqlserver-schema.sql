-- EventLead database schema for SQL Server 2022 (16.x): every migration, in order.
--
-- GENERATED FILE, do not edit. After changing a migration, regenerate it with
--     python manage.py render_sqlserver_schema
-- It is written offline by the project's SQL Server backend (eventlead.db.backends.mssql,
-- over mssql-django); a test fails when it no longer matches a fresh rendering.
--
-- Run it on an empty database, stopping at the first error:
--     sqlcmd -S <server> -d <database> -b -i docs/database/sqlserver-schema.sql
-- Python migration steps (RunPython) cannot be written as SQL and appear as comments.
-- The script does not fill django_migrations: before Django manages a database built
-- from it, record the migrations with `python manage.py migrate --fake`.

SET ANSI_NULLS ON;
SET ANSI_PADDING ON;
SET ANSI_WARNINGS ON;
SET ARITHABORT ON;
SET CONCAT_NULL_YIELDS_NULL ON;
SET NUMERIC_ROUNDABORT OFF;
SET QUOTED_IDENTIFIER ON;
SET XACT_ABORT ON;
GO

-- database.0001_schemas
BEGIN TRANSACTION;
GO
--
-- Create the schemas dbo, ref, config, log, audit, cache
--
IF SCHEMA_ID(N'ref') IS NULL EXEC(N'CREATE SCHEMA [ref]');
GO
IF SCHEMA_ID(N'config') IS NULL EXEC(N'CREATE SCHEMA [config]');
GO
IF SCHEMA_ID(N'log') IS NULL EXEC(N'CREATE SCHEMA [log]');
GO
IF SCHEMA_ID(N'audit') IS NULL EXEC(N'CREATE SCHEMA [audit]');
GO
IF SCHEMA_ID(N'cache') IS NULL EXEC(N'CREATE SCHEMA [cache]');
GO
COMMIT TRANSACTION;
GO

-- abrcache.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model ABRSearch
--
CREATE TABLE [cache].[ABRSearch] ([SearchType] nvarchar(4) NOT NULL, [SearchValue] nvarchar(200) NOT NULL, [ResponseJSON] nvarchar(max) NOT NULL CONSTRAINT CK_ABRSearch_ResponseJSON CHECK ((ISJSON ("ResponseJSON") = 1)), [ResultCount] int NOT NULL, [CachedAt] datetimeoffset NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [HitCount] int NOT NULL, [LastHitAt] datetimeoffset NULL, CONSTRAINT [PK_ABRSearch] PRIMARY KEY ([SearchType], [SearchValue]), CONSTRAINT [CK_ABRSearch_SearchType] CHECK ([SearchType] IN ('abn', 'acn', 'name')));
GO
CREATE INDEX [IX_ABRSearch_ExpiresAt] ON [cache].[ABRSearch] ([ExpiresAt]);
GO
COMMIT TRANSACTION;
GO

-- reference.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model Country
--
CREATE TABLE [ref].[Country] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [CountryID] int NOT NULL CONSTRAINT [PK_Country] PRIMARY KEY IDENTITY (1, 1), [CountryCode] nvarchar(2) NOT NULL, [CountryCode3] nvarchar(3) NOT NULL, [CountryName] nvarchar(120) NOT NULL, [PhonePrefix] nvarchar(10) NOT NULL, [CurrencyCode] nvarchar(3) NOT NULL, [CurrencySymbol] nvarchar(10) NOT NULL, [CurrencyName] nvarchar(100) NOT NULL, [TaxRate] numeric(5, 4) NULL, [TaxName] nvarchar(50) NOT NULL, [TaxInclusive] bit NOT NULL, [TaxNumberLabel] nvarchar(50) NOT NULL, [CompanyValidationProvider] nvarchar(50) NOT NULL, [AddressValidationProvider] nvarchar(50) NOT NULL, [IntegrationConfig] nvarchar(max) NULL CONSTRAINT CK_Country_IntegrationConfig CHECK ((ISJSON ("IntegrationConfig") = 1)), CONSTRAINT [UQ_Country_Code] UNIQUE ([Code]), CONSTRAINT [UQ_Country_CountryCode] UNIQUE ([CountryCode]), CONSTRAINT [CK_Country_TaxRate] CHECK (([TaxRate] IS NULL OR ([TaxRate] >= 0 AND [TaxRate] < 1))));
GO
--
-- Create model CustomerTier
--
CREATE TABLE [ref].[CustomerTier] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [CustomerTierID] int NOT NULL CONSTRAINT [PK_CustomerTier] PRIMARY KEY IDENTITY (1, 1), [MaxUsers] int NULL, [MonthlyPrice] numeric(10, 2) NOT NULL, CONSTRAINT [UQ_CustomerTier_Code] UNIQUE ([Code]), CONSTRAINT [CK_CustomerTier_MonthlyPrice] CHECK ([MonthlyPrice] >= 0));
GO
--
-- Create model Industry
--
CREATE TABLE [ref].[Industry] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IndustryID] int NOT NULL CONSTRAINT [PK_Industry] PRIMARY KEY IDENTITY (1, 1), [IndustryCode] nvarchar(10) NOT NULL, [IndustryName] nvarchar(200) NOT NULL, CONSTRAINT [UQ_Industry_Code] UNIQUE ([Code]), CONSTRAINT [UQ_Industry_IndustryCode] UNIQUE ([IndustryCode]));
GO
--
-- Create model JoinedVia
--
CREATE TABLE [ref].[JoinedVia] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [JoinedViaID] int NOT NULL CONSTRAINT [PK_JoinedVia] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_JoinedVia_Code] UNIQUE ([Code]));
GO
--
-- Create model Language
--
CREATE TABLE [ref].[Language] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [LanguageID] int NOT NULL CONSTRAINT [PK_Language] PRIMARY KEY IDENTITY (1, 1), [LanguageCode] nvarchar(2) NOT NULL, [LanguageName] nvarchar(120) NOT NULL, [NativeName] nvarchar(120) NOT NULL, CONSTRAINT [UQ_Language_Code] UNIQUE ([Code]), CONSTRAINT [UQ_Language_LanguageCode] UNIQUE ([LanguageCode]));
GO
--
-- Create model RuleType
--
CREATE TABLE [ref].[RuleType] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [RuleTypeID] int NOT NULL CONSTRAINT [PK_RuleType] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_RuleType_Code] UNIQUE ([Code]));
GO
--
-- Create model SettingCategory
--
CREATE TABLE [ref].[SettingCategory] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [SettingCategoryID] int NOT NULL CONSTRAINT [PK_SettingCategory] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_SettingCategory_Code] UNIQUE ([Code]));
GO
--
-- Create model SettingType
--
CREATE TABLE [ref].[SettingType] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [SettingTypeID] int NOT NULL CONSTRAINT [PK_SettingType] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_SettingType_Code] UNIQUE ([Code]));
GO
--
-- Create model UserCompanyRole
--
CREATE TABLE [ref].[UserCompanyRole] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserCompanyRoleID] int NOT NULL CONSTRAINT [PK_UserCompanyRole] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_UserCompanyRole_Code] UNIQUE ([Code]));
GO
--
-- Create model UserCompanyStatus
--
CREATE TABLE [ref].[UserCompanyStatus] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserCompanyStatusID] int NOT NULL CONSTRAINT [PK_UserCompanyStatus] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_UserCompanyStatus_Code] UNIQUE ([Code]));
GO
--
-- Create model UserInvitationStatus
--
CREATE TABLE [ref].[UserInvitationStatus] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserInvitationStatusID] int NOT NULL CONSTRAINT [PK_UserInvitationStatus] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_UserInvitationStatus_Code] UNIQUE ([Code]));
GO
--
-- Create model UserRole
--
CREATE TABLE [ref].[UserRole] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserRoleID] int NOT NULL CONSTRAINT [PK_UserRole] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_UserRole_Code] UNIQUE ([Code]));
GO
--
-- Create model UserStatus
--
CREATE TABLE [ref].[UserStatus] ([Code] nvarchar(60) NOT NULL, [DisplayName] nvarchar(120) NOT NULL, [Description] nvarchar(500) NOT NULL, [SortOrder] int NOT NULL, [IsActive] bit NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserStatusID] int NOT NULL CONSTRAINT [PK_UserStatus] PRIMARY KEY IDENTITY (1, 1), CONSTRAINT [UQ_UserStatus_Code] UNIQUE ([Code]));
GO
COMMIT TRANSACTION;
GO

-- accounts.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model User
--
CREATE TABLE [dbo].[User] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [UserID] int NOT NULL CONSTRAINT [PK_User] PRIMARY KEY IDENTITY (1, 1), [Email] nvarchar(254) NOT NULL, [PasswordHash] nvarchar(255) NOT NULL, [FirstName] nvarchar(100) NOT NULL, [LastName] nvarchar(100) NOT NULL, [Phone] nvarchar(30) NOT NULL, [RoleTitle] nvarchar(100) NOT NULL, [ProfilePictureUrl] nvarchar(500) NOT NULL, [TimezoneIdentifier] nvarchar(64) CONSTRAINT [DF_User_TimezoneIdentifier] DEFAULT 'Australia/Sydney' NOT NULL, [EmailVerifiedAt] datetimeoffset NULL, [LastLoginAt] datetimeoffset NULL, [LastPasswordChange] datetimeoffset NULL, [FailedLoginAttempts] int NOT NULL, [LastFailedLoginAt] datetimeoffset NULL, [IsLocked] bit NOT NULL, [LockedUntil] datetimeoffset NULL, [LockedReason] nvarchar(255) NOT NULL, [SessionToken] nvarchar(255) NOT NULL, [AccessTokenVersion] int CONSTRAINT [DF_User_AccessTokenVersion] DEFAULT 1 NOT NULL, [RefreshTokenVersion] int CONSTRAINT [DF_User_RefreshTokenVersion] DEFAULT 1 NOT NULL, [CountryID] int NULL, [CreatedBy] int NULL, [DeletedBy] int NULL, [LanguageID] int NULL, [StatusID] int NOT NULL, [UpdatedBy] int NULL, [UserRoleID] int NOT NULL);
GO
--
-- Create model UserEmailVerificationToken
--
CREATE TABLE [dbo].[UserEmailVerificationToken] ([TokenHash] nvarchar(64) NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [UsedAt] datetimeoffset NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserEmailVerificationTokenID] int NOT NULL CONSTRAINT [PK_UserEmailVerificationToken] PRIMARY KEY IDENTITY (1, 1), [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL);
GO
--
-- Create model UserPasswordResetToken
--
CREATE TABLE [dbo].[UserPasswordResetToken] ([TokenHash] nvarchar(64) NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [UsedAt] datetimeoffset NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserPasswordResetTokenID] int NOT NULL CONSTRAINT [PK_UserPasswordResetToken] PRIMARY KEY IDENTITY (1, 1), [RequestedIP] nvarchar(39) NULL, [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL);
GO
--
-- Create constraint UQ_User_Email on model user
--
ALTER TABLE [dbo].[User] ADD CONSTRAINT [UQ_User_Email] UNIQUE ([Email]);
GO
--
-- Create constraint CK_User_FailedLoginAttempts on model user
--
ALTER TABLE [dbo].[User] ADD CONSTRAINT [CK_User_FailedLoginAttempts] CHECK ([FailedLoginAttempts] >= 0);
GO
--
-- Create constraint CK_User_TokenVersions on model user
--
ALTER TABLE [dbo].[User] ADD CONSTRAINT [CK_User_TokenVersions] CHECK (([AccessTokenVersion] >= 1 AND [RefreshTokenVersion] >= 1));
GO
--
-- Create constraint UQ_UserEmailVerificationToken_TokenHash on model useremailverificationtoken
--
ALTER TABLE [dbo].[UserEmailVerificationToken] ADD CONSTRAINT [UQ_UserEmailVerificationToken_TokenHash] UNIQUE ([TokenHash]);
GO
--
-- Create constraint UQ_UserPasswordResetToken_TokenHash on model userpasswordresettoken
--
ALTER TABLE [dbo].[UserPasswordResetToken] ADD CONSTRAINT [UQ_UserPasswordResetToken_TokenHash] UNIQUE ([TokenHash]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_Country] FOREIGN KEY ([CountryID]) REFERENCES [ref].[Country] ([CountryID]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_Language] FOREIGN KEY ([LanguageID]) REFERENCES [ref].[Language] ([LanguageID]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_UserRole] FOREIGN KEY ([UserRoleID]) REFERENCES [ref].[UserRole] ([UserRoleID]);
GO
ALTER TABLE [dbo].[User] ADD CONSTRAINT [FK_User_UserStatus] FOREIGN KEY ([StatusID]) REFERENCES [ref].[UserStatus] ([UserStatusID]);
GO
CREATE INDEX [IX_User_CountryID] ON [dbo].[User] ([CountryID]);
GO
CREATE INDEX [IX_User_CreatedBy] ON [dbo].[User] ([CreatedBy]);
GO
CREATE INDEX [IX_User_DeletedBy] ON [dbo].[User] ([DeletedBy]);
GO
CREATE INDEX [IX_User_LanguageID] ON [dbo].[User] ([LanguageID]);
GO
CREATE INDEX [IX_User_StatusID] ON [dbo].[User] ([StatusID]);
GO
CREATE INDEX [IX_User_UpdatedBy] ON [dbo].[User] ([UpdatedBy]);
GO
CREATE INDEX [IX_User_UserRoleID] ON [dbo].[User] ([UserRoleID]);
GO
ALTER TABLE [dbo].[UserEmailVerificationToken] ADD CONSTRAINT [FK_UserEmailVerificationToken_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserEmailVerificationToken] ADD CONSTRAINT [FK_UserEmailVerificationToken_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserEmailVerificationToken] ADD CONSTRAINT [FK_UserEmailVerificationToken_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserEmailVerificationToken_CreatedBy] ON [dbo].[UserEmailVerificationToken] ([CreatedBy]);
GO
CREATE INDEX [IX_UserEmailVerificationToken_UpdatedBy] ON [dbo].[UserEmailVerificationToken] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserEmailVerificationToken_UserID] ON [dbo].[UserEmailVerificationToken] ([UserID]);
GO
ALTER TABLE [dbo].[UserPasswordResetToken] ADD CONSTRAINT [FK_UserPasswordResetToken_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserPasswordResetToken] ADD CONSTRAINT [FK_UserPasswordResetToken_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserPasswordResetToken] ADD CONSTRAINT [FK_UserPasswordResetToken_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserPasswordResetToken_CreatedBy] ON [dbo].[UserPasswordResetToken] ([CreatedBy]);
GO
CREATE INDEX [IX_UserPasswordResetToken_UpdatedBy] ON [dbo].[UserPasswordResetToken] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserPasswordResetToken_UserID] ON [dbo].[UserPasswordResetToken] ([UserID]);
GO
COMMIT TRANSACTION;
GO

-- otp_totp.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model TOTPDevice
--
CREATE TABLE [otp_totp_totpdevice] ([id] int NOT NULL CONSTRAINT [PK_otp_totp_totpdevice] PRIMARY KEY IDENTITY (1, 1), [name] nvarchar(64) NOT NULL, [confirmed] bit NOT NULL, [key] nvarchar(80) NOT NULL, [step] smallint NOT NULL CONSTRAINT CK_otp_totp_totpdevice_step CHECK ([step] >= 0), [t0] bigint NOT NULL, [digits] smallint NOT NULL CONSTRAINT CK_otp_totp_totpdevice_digits CHECK ([digits] >= 0), [tolerance] smallint NOT NULL CONSTRAINT CK_otp_totp_totpdevice_tolerance CHECK ([tolerance] >= 0), [drift] smallint NOT NULL, [last_t] bigint NOT NULL, [user_id] int NOT NULL);
GO
ALTER TABLE [otp_totp_totpdevice] ADD CONSTRAINT [FK_otp_totp_totpdevice_User] FOREIGN KEY ([user_id]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_otp_totp_totpdevice_user_id] ON [otp_totp_totpdevice] ([user_id]);
GO
COMMIT TRANSACTION;
GO

-- otp_totp.0002_auto_20190420_0723
BEGIN TRANSACTION;
GO
--
-- Add field throttling_failure_count to totpdevice
--
ALTER TABLE [otp_totp_totpdevice] ADD [throttling_failure_count] int CONSTRAINT [DF_otp_totp_totpdevice_throttling_failure_count] DEFAULT 0 NOT NULL CHECK ([throttling_failure_count] >= 0);
GO
ALTER TABLE [otp_totp_totpdevice] DROP CONSTRAINT [DF_otp_totp_totpdevice_throttling_failure_count];
GO
--
-- Add field throttling_failure_timestamp to totpdevice
--
ALTER TABLE [otp_totp_totpdevice] ADD [throttling_failure_timestamp] datetimeoffset NULL;
GO
COMMIT TRANSACTION;
GO

-- otp_totp.0003_add_timestamps
BEGIN TRANSACTION;
GO
--
-- Add field created_at to totpdevice
--
ALTER TABLE [otp_totp_totpdevice] ADD [created_at] datetimeoffset CONSTRAINT [DF_otp_totp_totpdevice_created_at] DEFAULT SYSUTCDATETIME() WITH VALUES;
GO
ALTER TABLE [otp_totp_totpdevice] DROP CONSTRAINT [DF_otp_totp_totpdevice_created_at];
GO
--
-- Add field last_used_at to totpdevice
--
ALTER TABLE [otp_totp_totpdevice] ADD [last_used_at] datetimeoffset NULL;
GO
COMMIT TRANSACTION;
GO

-- token_blacklist.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model OutstandingToken
--
CREATE TABLE [token_blacklist_outstandingtoken] ([id] bigint NOT NULL CONSTRAINT [PK_token_blacklist_outstandingtoken] PRIMARY KEY IDENTITY (1, 1), [jti] nvarchar(255) NOT NULL CONSTRAINT [UQ_token_blacklist_outstandingtoken_jti] UNIQUE, [token] nvarchar(max) NOT NULL, [created_at] datetimeoffset NULL, [expires_at] datetimeoffset NOT NULL, [user_id] int NULL);
GO
--
-- Create model BlacklistedToken
--
CREATE TABLE [token_blacklist_blacklistedtoken] ([id] bigint NOT NULL CONSTRAINT [PK_token_blacklist_blacklistedtoken] PRIMARY KEY IDENTITY (1, 1), [blacklisted_at] datetimeoffset NOT NULL, [token_id] bigint NOT NULL CONSTRAINT [UQ_token_blacklist_blacklistedtoken_token_id] UNIQUE);
GO
ALTER TABLE [token_blacklist_outstandingtoken] ADD CONSTRAINT [FK_token_blacklist_outstandingtoken_User] FOREIGN KEY ([user_id]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_token_blacklist_outstandingtoken_user_id] ON [token_blacklist_outstandingtoken] ([user_id]);
GO
ALTER TABLE [token_blacklist_blacklistedtoken] ADD CONSTRAINT [FK_token_blacklist_blacklistedtoken_token_blacklist_outstandingtoken] FOREIGN KEY ([token_id]) REFERENCES [token_blacklist_outstandingtoken] ([id]);
GO
COMMIT TRANSACTION;
GO

-- accounts.0002_user_email_canonical
BEGIN TRANSACTION;
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
COMMIT TRANSACTION;
GO

-- accounts.0003_outstanding_token_hashes
BEGIN TRANSACTION;
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
COMMIT TRANSACTION;
GO

-- accounts.0004_user_sessions
BEGIN TRANSACTION;
GO
--
-- Create model UserKnownDevice
--
CREATE TABLE [dbo].[UserKnownDevice] ([UserKnownDeviceID] bigint NOT NULL CONSTRAINT [PK_UserKnownDevice] PRIMARY KEY IDENTITY (1, 1), [DeviceLabel] nvarchar(200) NOT NULL, [IPNetwork] nvarchar(50) NOT NULL, [LastSeenAt] datetimeoffset NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL, CONSTRAINT [UQ_UserKnownDevice_UserID_DeviceLabel_IPNetwork] UNIQUE ([UserID], [DeviceLabel], [IPNetwork]));
GO
--
-- Create model UserSecureAccountToken
--
CREATE TABLE [dbo].[UserSecureAccountToken] ([TokenHash] nvarchar(64) NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [UsedAt] datetimeoffset NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserSecureAccountTokenID] int NOT NULL CONSTRAINT [PK_UserSecureAccountToken] PRIMARY KEY IDENTITY (1, 1), [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL, CONSTRAINT [UQ_UserSecureAccountToken_TokenHash] UNIQUE ([TokenHash]));
GO
--
-- Create model UserSession
--
CREATE TABLE [dbo].[UserSession] ([UserSessionID] bigint NOT NULL CONSTRAINT [PK_UserSession] PRIMARY KEY IDENTITY (1, 1), [SessionKey] nvarchar(64) NOT NULL, [IPAddress] nvarchar(39) NULL, [UserAgent] nvarchar(500) NOT NULL, [DeviceLabel] nvarchar(200) NOT NULL, [AuthenticatedAt] datetimeoffset NOT NULL, [LastSeenAt] datetimeoffset NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [EndedAt] datetimeoffset NULL, [EndReason] nvarchar(30) NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL, CONSTRAINT [UQ_UserSession_SessionKey] UNIQUE ([SessionKey]), CONSTRAINT [CK_UserSession_EndReason] CHECK ([EndReason] IN ('', 'logout', 'revoked', 'logout_all', 'password_changed', 'password_reset', 'reuse_detected', 'account_locked', 'account_suspended', 'account_deleted', 'admin', 'account_secured')), CONSTRAINT [CK_UserSession_Ended] CHECK ((([EndReason] = '' AND [EndedAt] IS NULL) OR ([EndedAt] IS NOT NULL AND NOT ([EndReason] = '')))));
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
ALTER TABLE [dbo].[UserKnownDevice] ADD CONSTRAINT [FK_UserKnownDevice_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserKnownDevice] ADD CONSTRAINT [FK_UserKnownDevice_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserKnownDevice] ADD CONSTRAINT [FK_UserKnownDevice_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserKnownDevice_CreatedBy] ON [dbo].[UserKnownDevice] ([CreatedBy]);
GO
CREATE INDEX [IX_UserKnownDevice_UpdatedBy] ON [dbo].[UserKnownDevice] ([UpdatedBy]);
GO
ALTER TABLE [dbo].[UserSecureAccountToken] ADD CONSTRAINT [FK_UserSecureAccountToken_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserSecureAccountToken] ADD CONSTRAINT [FK_UserSecureAccountToken_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserSecureAccountToken] ADD CONSTRAINT [FK_UserSecureAccountToken_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserSecureAccountToken_CreatedBy] ON [dbo].[UserSecureAccountToken] ([CreatedBy]);
GO
CREATE INDEX [IX_UserSecureAccountToken_UpdatedBy] ON [dbo].[UserSecureAccountToken] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserSecureAccountToken_UserID] ON [dbo].[UserSecureAccountToken] ([UserID]);
GO
ALTER TABLE [dbo].[UserSession] ADD CONSTRAINT [FK_UserSession_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserSession] ADD CONSTRAINT [FK_UserSession_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserSession] ADD CONSTRAINT [FK_UserSession_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserSession_CreatedBy] ON [dbo].[UserSession] ([CreatedBy]);
GO
CREATE INDEX [IX_UserSession_UpdatedBy] ON [dbo].[UserSession] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserSession_UserID_CreatedDate] ON [dbo].[UserSession] ([UserID], [CreatedDate]);
GO
COMMIT TRANSACTION;
GO

-- accounts.0005_mfa_email_change
BEGIN TRANSACTION;
GO
--
-- Create model UserEmailChangeToken
--
CREATE TABLE [dbo].[UserEmailChangeToken] ([TokenHash] nvarchar(64) NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [UsedAt] datetimeoffset NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserEmailChangeTokenID] int NOT NULL CONSTRAINT [PK_UserEmailChangeToken] PRIMARY KEY IDENTITY (1, 1), [NewEmail] nvarchar(254) NOT NULL, [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL, CONSTRAINT [UQ_UserEmailChangeToken_TokenHash] UNIQUE ([TokenHash]));
GO
--
-- Create model UserMfaToken
--
CREATE TABLE [dbo].[UserMfaToken] ([TokenHash] nvarchar(64) NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [UsedAt] datetimeoffset NULL, [CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserMfaTokenID] int NOT NULL CONSTRAINT [PK_UserMfaToken] PRIMARY KEY IDENTITY (1, 1), [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL, CONSTRAINT [UQ_UserMfaToken_TokenHash] UNIQUE ([TokenHash]));
GO
--
-- Create model UserRecoveryCode
--
CREATE TABLE [dbo].[UserRecoveryCode] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [UserRecoveryCodeID] bigint NOT NULL CONSTRAINT [PK_UserRecoveryCode] PRIMARY KEY IDENTITY (1, 1), [CodeHash] nvarchar(64) NOT NULL, [UsedAt] datetimeoffset NULL, [CreatedBy] int NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL, CONSTRAINT [UQ_UserRecoveryCode_UserID_CodeHash] UNIQUE ([UserID], [CodeHash]));
GO
--
-- Remove constraint CK_UserSession_EndReason from model usersession
--
ALTER TABLE [dbo].[UserSession] DROP CONSTRAINT [CK_UserSession_EndReason];
GO
--
-- Add field mfa_enabled_at to user
--
ALTER TABLE [dbo].[User] ADD [MfaEnabledAt] datetimeoffset NULL;
GO
--
-- Alter field end_reason on usersession
--
-- (no-op)
--
-- Create constraint CK_UserSession_EndReason on model usersession
--
ALTER TABLE [dbo].[UserSession] ADD CONSTRAINT [CK_UserSession_EndReason] CHECK ([EndReason] IN ('', 'logout', 'revoked', 'logout_all', 'password_changed', 'password_reset', 'reuse_detected', 'account_locked', 'account_suspended', 'account_deleted', 'admin', 'account_secured', 'email_changed', 'account_closed'));
GO
--
-- Add field sent_to to usersecureaccounttoken
--
ALTER TABLE [dbo].[UserSecureAccountToken] ADD [SentTo] nvarchar(254) CONSTRAINT [DF_UserSecureAccountToken_SentTo] DEFAULT '' NOT NULL;
GO
ALTER TABLE [dbo].[UserSecureAccountToken] DROP CONSTRAINT [DF_UserSecureAccountToken_SentTo];
GO
ALTER TABLE [dbo].[UserEmailChangeToken] ADD CONSTRAINT [FK_UserEmailChangeToken_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserEmailChangeToken] ADD CONSTRAINT [FK_UserEmailChangeToken_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserEmailChangeToken] ADD CONSTRAINT [FK_UserEmailChangeToken_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserEmailChangeToken_CreatedBy] ON [dbo].[UserEmailChangeToken] ([CreatedBy]);
GO
CREATE INDEX [IX_UserEmailChangeToken_UpdatedBy] ON [dbo].[UserEmailChangeToken] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserEmailChangeToken_UserID] ON [dbo].[UserEmailChangeToken] ([UserID]);
GO
ALTER TABLE [dbo].[UserMfaToken] ADD CONSTRAINT [FK_UserMfaToken_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserMfaToken] ADD CONSTRAINT [FK_UserMfaToken_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserMfaToken] ADD CONSTRAINT [FK_UserMfaToken_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserMfaToken_CreatedBy] ON [dbo].[UserMfaToken] ([CreatedBy]);
GO
CREATE INDEX [IX_UserMfaToken_UpdatedBy] ON [dbo].[UserMfaToken] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserMfaToken_UserID] ON [dbo].[UserMfaToken] ([UserID]);
GO
ALTER TABLE [dbo].[UserRecoveryCode] ADD CONSTRAINT [FK_UserRecoveryCode_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserRecoveryCode] ADD CONSTRAINT [FK_UserRecoveryCode_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserRecoveryCode] ADD CONSTRAINT [FK_UserRecoveryCode_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserRecoveryCode_CreatedBy] ON [dbo].[UserRecoveryCode] ([CreatedBy]);
GO
CREATE INDEX [IX_UserRecoveryCode_UpdatedBy] ON [dbo].[UserRecoveryCode] ([UpdatedBy]);
GO
COMMIT TRANSACTION;
GO

-- accounts.0006_mfa_enabled_from_admin_devices
BEGIN TRANSACTION;
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
COMMIT TRANSACTION;
GO

-- contenttypes.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model ContentType
--
CREATE TABLE [django_content_type] ([id] int NOT NULL CONSTRAINT [PK_django_content_type] PRIMARY KEY IDENTITY (1, 1), [name] nvarchar(100) NOT NULL, [app_label] nvarchar(100) NOT NULL, [model] nvarchar(100) NOT NULL);
GO
--
-- Alter unique_together for contenttype (1 constraint(s))
--
CREATE UNIQUE INDEX [UQ_django_content_type_app_label_model] ON [django_content_type] ([app_label], [model]) WHERE [app_label] IS NOT NULL AND [model] IS NOT NULL;
GO
COMMIT TRANSACTION;
GO

-- admin.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model LogEntry
--
CREATE TABLE [django_admin_log] ([id] int NOT NULL CONSTRAINT [PK_django_admin_log] PRIMARY KEY IDENTITY (1, 1), [action_time] datetimeoffset NOT NULL, [object_id] nvarchar(max) NULL, [object_repr] nvarchar(200) NOT NULL, [action_flag] smallint NOT NULL CONSTRAINT CK_django_admin_log_action_flag CHECK ([action_flag] >= 0), [change_message] nvarchar(max) NOT NULL, [content_type_id] int NULL, [user_id] int NOT NULL);
GO
ALTER TABLE [django_admin_log] ADD CONSTRAINT [FK_django_admin_log_User] FOREIGN KEY ([user_id]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [django_admin_log] ADD CONSTRAINT [FK_django_admin_log_django_content_type] FOREIGN KEY ([content_type_id]) REFERENCES [django_content_type] ([id]);
GO
CREATE INDEX [IX_django_admin_log_content_type_id] ON [django_admin_log] ([content_type_id]);
GO
CREATE INDEX [IX_django_admin_log_user_id] ON [django_admin_log] ([user_id]);
GO
COMMIT TRANSACTION;
GO

-- admin.0002_logentry_remove_auto_add
BEGIN TRANSACTION;
GO
--
-- Alter field action_time on logentry
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- admin.0003_logentry_add_action_flag_choices
BEGIN TRANSACTION;
GO
--
-- Alter field action_flag on logentry
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- companies.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model Company
--
CREATE TABLE [dbo].[Company] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [CompanyID] int NOT NULL CONSTRAINT [PK_Company] PRIMARY KEY IDENTITY (1, 1), [CompanyName] nvarchar(200) NOT NULL, [LegalEntityName] nvarchar(200) NOT NULL, [BusinessNames] nvarchar(max) NOT NULL CONSTRAINT CK_Company_BusinessNames CHECK ((ISJSON ("BusinessNames") = 1)), [CustomDisplayName] nvarchar(200) NOT NULL, [DisplayNameSource] nvarchar(10) NOT NULL, [ABN] nvarchar(11) NULL, [ACN] nvarchar(9) NULL, [ABNStatus] nvarchar(20) NOT NULL, [ABNStatusEffectiveFrom] date NULL, [EntityType] nvarchar(100) NOT NULL, [GSTRegistered] bit NOT NULL, [GSTRegisteredFrom] date NULL, [Phone] nvarchar(30) NOT NULL, [Email] nvarchar(254) NOT NULL, [Website] nvarchar(500) NOT NULL, [AddressLine1] nvarchar(200) NOT NULL, [AddressLine2] nvarchar(200) NOT NULL, [Suburb] nvarchar(100) NOT NULL, [StateCode] nvarchar(10) NOT NULL, [PostalCode] nvarchar(20) NOT NULL, [ABRLastVerifiedAt] datetimeoffset NULL, [CountryID] int NOT NULL, [CreatedBy] int NULL, [DeletedBy] int NULL, [IndustryID] int NULL, [ParentCompanyID] int NULL, [UpdatedBy] int NULL);
GO
--
-- Create model CompanyBillingDetails
--
CREATE TABLE [dbo].[CompanyBillingDetails] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [CompanyBillingDetailsID] int NOT NULL CONSTRAINT [PK_CompanyBillingDetails] PRIMARY KEY IDENTITY (1, 1), [BillingEmail] nvarchar(254) NOT NULL, [BillingContactName] nvarchar(200) NOT NULL, [BillingPhone] nvarchar(30) NOT NULL, [BillingAddressLine1] nvarchar(200) NOT NULL, [BillingAddressLine2] nvarchar(200) NOT NULL, [BillingSuburb] nvarchar(100) NOT NULL, [BillingStateCode] nvarchar(10) NOT NULL, [BillingPostalCode] nvarchar(20) NOT NULL, [PurchaseOrderReference] nvarchar(100) NOT NULL, [BillingCountryID] int NULL, [CompanyID] int NOT NULL CONSTRAINT [UQ_CompanyBillingDetails_CompanyID] UNIQUE, [CreatedBy] int NULL, [DeletedBy] int NULL, [UpdatedBy] int NULL);
GO
--
-- Create model CompanyCustomerDetails
--
CREATE TABLE [dbo].[CompanyCustomerDetails] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [CompanyCustomerDetailsID] int NOT NULL CONSTRAINT [PK_CompanyCustomerDetails] PRIMARY KEY IDENTITY (1, 1), [SubscriptionStartDate] date NULL, [SubscriptionEndDate] date NULL, [TrialEndsAt] datetimeoffset NULL, [MaxUsers] int NULL, [CompanyID] int NOT NULL CONSTRAINT [UQ_CompanyCustomerDetails_CompanyID] UNIQUE, [CreatedBy] int NULL, [CustomerTierID] int NOT NULL, [DeletedBy] int NULL, [UpdatedBy] int NULL);
GO
--
-- Create model CompanyOrganizerDetails
--
CREATE TABLE [dbo].[CompanyOrganizerDetails] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [CompanyOrganizerDetailsID] int NOT NULL CONSTRAINT [PK_CompanyOrganizerDetails] PRIMARY KEY IDENTITY (1, 1), [Website] nvarchar(500) NOT NULL, [PublicEmail] nvarchar(254) NOT NULL, [PublicPhone] nvarchar(30) NOT NULL, [Description] nvarchar(max) NOT NULL, [LogoUrl] nvarchar(500) NOT NULL, [SocialLinks] nvarchar(max) NOT NULL CONSTRAINT CK_CompanyOrganizerDetails_SocialLinks CHECK ((ISJSON ("SocialLinks") = 1)), [CompanyID] int NOT NULL CONSTRAINT [UQ_CompanyOrganizerDetails_CompanyID] UNIQUE, [CreatedBy] int NULL, [DeletedBy] int NULL, [UpdatedBy] int NULL);
GO
--
-- Create model UserCompany
--
CREATE TABLE [dbo].[UserCompany] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [UserCompanyID] int NOT NULL CONSTRAINT [PK_UserCompany] PRIMARY KEY IDENTITY (1, 1), [JoinedDate] datetimeoffset NOT NULL, [IsPrimary] bit NOT NULL, [RemovedDate] datetimeoffset NULL, [RemovalReason] nvarchar(500) NOT NULL, [CompanyID] int NOT NULL, [CreatedBy] int NULL, [DeletedBy] int NULL, [InvitedBy] int NULL, [JoinedViaID] int NOT NULL, [RemovedBy] int NULL, [UserCompanyRoleID] int NOT NULL, [StatusID] int NOT NULL, [UpdatedBy] int NULL, [UserID] int NOT NULL);
GO
--
-- Create model UserInvitation
--
CREATE TABLE [dbo].[UserInvitation] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [IsDeleted] bit NOT NULL, [DeletedDate] datetimeoffset NULL, [UserInvitationID] int NOT NULL CONSTRAINT [PK_UserInvitation] PRIMARY KEY IDENTITY (1, 1), [InvitedEmail] nvarchar(254) NOT NULL, [InvitedFirstName] nvarchar(100) NOT NULL, [InvitedLastName] nvarchar(100) NOT NULL, [TokenHash] nvarchar(64) NOT NULL, [InvitedAt] datetimeoffset NOT NULL, [ExpiresAt] datetimeoffset NOT NULL, [AcceptedAt] datetimeoffset NULL, [DeclinedAt] datetimeoffset NULL, [DeclineReason] nvarchar(500) NOT NULL, [CancelledAt] datetimeoffset NULL, [CancellationReason] nvarchar(500) NOT NULL, [ExpiredAt] datetimeoffset NULL, [ResendCount] int NOT NULL, [LastResentAt] datetimeoffset NULL, [AcceptedUserID] int NULL, [CancelledBy] int NULL, [CompanyID] int NOT NULL, [CreatedBy] int NULL, [DeletedBy] int NULL, [InvitedBy] int NOT NULL, [UserCompanyRoleID] int NOT NULL, [StatusID] int NOT NULL, [UpdatedBy] int NULL);
GO
--
-- Create index IX_Company_CompanyName on field(s) company_name of model company
--
CREATE INDEX [IX_Company_CompanyName] ON [dbo].[Company] ([CompanyName]);
GO
--
-- Create constraint UQ_Company_ABN on model company
--
CREATE UNIQUE INDEX [UQ_Company_ABN] ON [dbo].[Company] ([ABN]) WHERE [ABN] IS NOT NULL;
GO
--
-- Create constraint CK_Company_DisplayNameSource on model company
--
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [CK_Company_DisplayNameSource] CHECK ([DisplayNameSource] IN ('legal', 'custom', 'business'));
GO
--
-- Create constraint UQ_UserCompany_UserID_CompanyID on model usercompany
--
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [UQ_UserCompany_UserID_CompanyID] UNIQUE ([UserID], [CompanyID]);
GO
--
-- Create index IX_UserInvitation_CompanyID_StatusID on field(s) company, status of model userinvitation
--
CREATE INDEX [IX_UserInvitation_CompanyID_StatusID] ON [dbo].[UserInvitation] ([CompanyID], [StatusID]);
GO
--
-- Create index IX_UserInvitation_InvitedEmail on field(s) invited_email of model userinvitation
--
CREATE INDEX [IX_UserInvitation_InvitedEmail] ON [dbo].[UserInvitation] ([InvitedEmail]);
GO
--
-- Create constraint UQ_UserInvitation_TokenHash on model userinvitation
--
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [UQ_UserInvitation_TokenHash] UNIQUE ([TokenHash]);
GO
--
-- Create constraint UQ_UserInvitation_CompanyID_InvitedEmail_Open on model userinvitation
--
CREATE UNIQUE INDEX [UQ_UserInvitation_CompanyID_InvitedEmail_Open] ON [dbo].[UserInvitation] ([CompanyID], [InvitedEmail]) WHERE ([AcceptedAt] IS NULL AND [CancelledAt] IS NULL AND [DeclinedAt] IS NULL AND [ExpiredAt] IS NULL);
GO
--
-- Create constraint CK_UserInvitation_ResendCount on model userinvitation
--
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [CK_UserInvitation_ResendCount] CHECK ([ResendCount] >= 0);
GO
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [FK_Company_Country] FOREIGN KEY ([CountryID]) REFERENCES [ref].[Country] ([CountryID]);
GO
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [FK_Company_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [FK_Company_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [FK_Company_Industry] FOREIGN KEY ([IndustryID]) REFERENCES [ref].[Industry] ([IndustryID]);
GO
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [FK_Company_ParentCompanyID] FOREIGN KEY ([ParentCompanyID]) REFERENCES [dbo].[Company] ([CompanyID]);
GO
ALTER TABLE [dbo].[Company] ADD CONSTRAINT [FK_Company_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_Company_CountryID] ON [dbo].[Company] ([CountryID]);
GO
CREATE INDEX [IX_Company_CreatedBy] ON [dbo].[Company] ([CreatedBy]);
GO
CREATE INDEX [IX_Company_DeletedBy] ON [dbo].[Company] ([DeletedBy]);
GO
CREATE INDEX [IX_Company_IndustryID] ON [dbo].[Company] ([IndustryID]);
GO
CREATE INDEX [IX_Company_ParentCompanyID] ON [dbo].[Company] ([ParentCompanyID]);
GO
CREATE INDEX [IX_Company_UpdatedBy] ON [dbo].[Company] ([UpdatedBy]);
GO
ALTER TABLE [dbo].[CompanyBillingDetails] ADD CONSTRAINT [FK_CompanyBillingDetails_Company] FOREIGN KEY ([CompanyID]) REFERENCES [dbo].[Company] ([CompanyID]);
GO
ALTER TABLE [dbo].[CompanyBillingDetails] ADD CONSTRAINT [FK_CompanyBillingDetails_Country] FOREIGN KEY ([BillingCountryID]) REFERENCES [ref].[Country] ([CountryID]);
GO
ALTER TABLE [dbo].[CompanyBillingDetails] ADD CONSTRAINT [FK_CompanyBillingDetails_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[CompanyBillingDetails] ADD CONSTRAINT [FK_CompanyBillingDetails_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[CompanyBillingDetails] ADD CONSTRAINT [FK_CompanyBillingDetails_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_CompanyBillingDetails_BillingCountryID] ON [dbo].[CompanyBillingDetails] ([BillingCountryID]);
GO
CREATE INDEX [IX_CompanyBillingDetails_CreatedBy] ON [dbo].[CompanyBillingDetails] ([CreatedBy]);
GO
CREATE INDEX [IX_CompanyBillingDetails_DeletedBy] ON [dbo].[CompanyBillingDetails] ([DeletedBy]);
GO
CREATE INDEX [IX_CompanyBillingDetails_UpdatedBy] ON [dbo].[CompanyBillingDetails] ([UpdatedBy]);
GO
ALTER TABLE [dbo].[CompanyCustomerDetails] ADD CONSTRAINT [FK_CompanyCustomerDetails_Company] FOREIGN KEY ([CompanyID]) REFERENCES [dbo].[Company] ([CompanyID]);
GO
ALTER TABLE [dbo].[CompanyCustomerDetails] ADD CONSTRAINT [FK_CompanyCustomerDetails_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[CompanyCustomerDetails] ADD CONSTRAINT [FK_CompanyCustomerDetails_CustomerTier] FOREIGN KEY ([CustomerTierID]) REFERENCES [ref].[CustomerTier] ([CustomerTierID]);
GO
ALTER TABLE [dbo].[CompanyCustomerDetails] ADD CONSTRAINT [FK_CompanyCustomerDetails_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[CompanyCustomerDetails] ADD CONSTRAINT [FK_CompanyCustomerDetails_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_CompanyCustomerDetails_CreatedBy] ON [dbo].[CompanyCustomerDetails] ([CreatedBy]);
GO
CREATE INDEX [IX_CompanyCustomerDetails_CustomerTierID] ON [dbo].[CompanyCustomerDetails] ([CustomerTierID]);
GO
CREATE INDEX [IX_CompanyCustomerDetails_DeletedBy] ON [dbo].[CompanyCustomerDetails] ([DeletedBy]);
GO
CREATE INDEX [IX_CompanyCustomerDetails_UpdatedBy] ON [dbo].[CompanyCustomerDetails] ([UpdatedBy]);
GO
ALTER TABLE [dbo].[CompanyOrganizerDetails] ADD CONSTRAINT [FK_CompanyOrganizerDetails_Company] FOREIGN KEY ([CompanyID]) REFERENCES [dbo].[Company] ([CompanyID]);
GO
ALTER TABLE [dbo].[CompanyOrganizerDetails] ADD CONSTRAINT [FK_CompanyOrganizerDetails_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[CompanyOrganizerDetails] ADD CONSTRAINT [FK_CompanyOrganizerDetails_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[CompanyOrganizerDetails] ADD CONSTRAINT [FK_CompanyOrganizerDetails_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_CompanyOrganizerDetails_CreatedBy] ON [dbo].[CompanyOrganizerDetails] ([CreatedBy]);
GO
CREATE INDEX [IX_CompanyOrganizerDetails_DeletedBy] ON [dbo].[CompanyOrganizerDetails] ([DeletedBy]);
GO
CREATE INDEX [IX_CompanyOrganizerDetails_UpdatedBy] ON [dbo].[CompanyOrganizerDetails] ([UpdatedBy]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_Company] FOREIGN KEY ([CompanyID]) REFERENCES [dbo].[Company] ([CompanyID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_InvitedBy] FOREIGN KEY ([InvitedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_JoinedVia] FOREIGN KEY ([JoinedViaID]) REFERENCES [ref].[JoinedVia] ([JoinedViaID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_RemovedBy] FOREIGN KEY ([RemovedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_UserCompanyRole] FOREIGN KEY ([UserCompanyRoleID]) REFERENCES [ref].[UserCompanyRole] ([UserCompanyRoleID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_UserCompanyStatus] FOREIGN KEY ([StatusID]) REFERENCES [ref].[UserCompanyStatus] ([UserCompanyStatusID]);
GO
ALTER TABLE [dbo].[UserCompany] ADD CONSTRAINT [FK_UserCompany_UserID] FOREIGN KEY ([UserID]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_UserCompany_CompanyID] ON [dbo].[UserCompany] ([CompanyID]);
GO
CREATE INDEX [IX_UserCompany_CreatedBy] ON [dbo].[UserCompany] ([CreatedBy]);
GO
CREATE INDEX [IX_UserCompany_DeletedBy] ON [dbo].[UserCompany] ([DeletedBy]);
GO
CREATE INDEX [IX_UserCompany_InvitedBy] ON [dbo].[UserCompany] ([InvitedBy]);
GO
CREATE INDEX [IX_UserCompany_JoinedViaID] ON [dbo].[UserCompany] ([JoinedViaID]);
GO
CREATE INDEX [IX_UserCompany_RemovedBy] ON [dbo].[UserCompany] ([RemovedBy]);
GO
CREATE INDEX [IX_UserCompany_StatusID] ON [dbo].[UserCompany] ([StatusID]);
GO
CREATE INDEX [IX_UserCompany_UpdatedBy] ON [dbo].[UserCompany] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserCompany_UserCompanyRoleID] ON [dbo].[UserCompany] ([UserCompanyRoleID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_AcceptedUserID] FOREIGN KEY ([AcceptedUserID]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_CancelledBy] FOREIGN KEY ([CancelledBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_Company] FOREIGN KEY ([CompanyID]) REFERENCES [dbo].[Company] ([CompanyID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_DeletedBy] FOREIGN KEY ([DeletedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_InvitedBy] FOREIGN KEY ([InvitedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_UserCompanyRole] FOREIGN KEY ([UserCompanyRoleID]) REFERENCES [ref].[UserCompanyRole] ([UserCompanyRoleID]);
GO
ALTER TABLE [dbo].[UserInvitation] ADD CONSTRAINT [FK_UserInvitation_UserInvitationStatus] FOREIGN KEY ([StatusID]) REFERENCES [ref].[UserInvitationStatus] ([UserInvitationStatusID]);
GO
CREATE INDEX [IX_UserInvitation_AcceptedUserID] ON [dbo].[UserInvitation] ([AcceptedUserID]);
GO
CREATE INDEX [IX_UserInvitation_CancelledBy] ON [dbo].[UserInvitation] ([CancelledBy]);
GO
CREATE INDEX [IX_UserInvitation_CreatedBy] ON [dbo].[UserInvitation] ([CreatedBy]);
GO
CREATE INDEX [IX_UserInvitation_DeletedBy] ON [dbo].[UserInvitation] ([DeletedBy]);
GO
CREATE INDEX [IX_UserInvitation_InvitedBy] ON [dbo].[UserInvitation] ([InvitedBy]);
GO
CREATE INDEX [IX_UserInvitation_StatusID] ON [dbo].[UserInvitation] ([StatusID]);
GO
CREATE INDEX [IX_UserInvitation_UpdatedBy] ON [dbo].[UserInvitation] ([UpdatedBy]);
GO
CREATE INDEX [IX_UserInvitation_UserCompanyRoleID] ON [dbo].[UserInvitation] ([UserCompanyRoleID]);
GO
COMMIT TRANSACTION;
GO

-- companies.0002_userinvitation_invitedemail_canonical
BEGIN TRANSACTION;
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
COMMIT TRANSACTION;
GO

-- companies.0003_company_require_mfa
BEGIN TRANSACTION;
GO
--
-- Add field require_mfa to company
--
ALTER TABLE [dbo].[Company] ADD [RequireMfa] bit CONSTRAINT [DF_Company_RequireMfa] DEFAULT 0 NOT NULL;
GO
COMMIT TRANSACTION;
GO

-- auditing.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model ActivityLog
--
CREATE TABLE [audit].[ActivityLog] ([ActivityLogID] bigint NOT NULL CONSTRAINT [PK_AuditActivityLog] PRIMARY KEY IDENTITY (1, 1), [Action] nvarchar(60) NOT NULL, [EntityType] nvarchar(60) NOT NULL, [EntityID] nvarchar(100) NOT NULL, [Description] nvarchar(500) NOT NULL, [OldValues] nvarchar(max) NULL CONSTRAINT CK_AuditActivityLog_OldValues CHECK ((ISJSON ("OldValues") = 1)), [NewValues] nvarchar(max) NULL CONSTRAINT CK_AuditActivityLog_NewValues CHECK ((ISJSON ("NewValues") = 1)), [IPAddress] nvarchar(39) NULL, [UserAgent] nvarchar(500) NOT NULL, [RequestID] char(32) NULL, [CreatedDate] datetimeoffset NOT NULL, [CompanyID] int NULL, [UserID] int NULL);
GO
--
-- Create model AuditCompany
--
CREATE TABLE [audit].[Company] ([Operation] nvarchar(20) NOT NULL, [ChangedFields] nvarchar(max) NOT NULL CONSTRAINT CK_AuditCompany_ChangedFields CHECK ((ISJSON ("ChangedFields") = 1)), [OldValues] nvarchar(max) NULL CONSTRAINT CK_AuditCompany_OldValues CHECK ((ISJSON ("OldValues") = 1)), [NewValues] nvarchar(max) NULL CONSTRAINT CK_AuditCompany_NewValues CHECK ((ISJSON ("NewValues") = 1)), [ChangedDate] datetimeoffset NOT NULL, [RequestID] char(32) NULL, [AuditCompanyID] bigint NOT NULL CONSTRAINT [PK_AuditCompany] PRIMARY KEY IDENTITY (1, 1), [ChangedBy] int NULL, [CompanyID] int NULL, CONSTRAINT [CK_AuditCompany_Operation] CHECK ([Operation] IN ('insert', 'update', 'soft_delete')));
GO
--
-- Create model AuditRole
--
CREATE TABLE [audit].[Role] ([AuditRoleID] bigint NOT NULL CONSTRAINT [PK_AuditRole] PRIMARY KEY IDENTITY (1, 1), [RoleScope] nvarchar(10) NOT NULL, [OldRoleID] int NULL, [NewRoleID] int NULL, [ChangedDate] datetimeoffset NOT NULL, [Reason] nvarchar(500) NOT NULL, [RequestID] char(32) NULL, [ChangedBy] int NULL, [CompanyID] int NULL, [UserID] int NULL, CONSTRAINT [CK_AuditRole_RoleScope] CHECK ([RoleScope] IN ('system', 'company')));
GO
--
-- Create model AuditUser
--
CREATE TABLE [audit].[User] ([Operation] nvarchar(20) NOT NULL, [ChangedFields] nvarchar(max) NOT NULL CONSTRAINT CK_AuditUser_ChangedFields CHECK ((ISJSON ("ChangedFields") = 1)), [OldValues] nvarchar(max) NULL CONSTRAINT CK_AuditUser_OldValues CHECK ((ISJSON ("OldValues") = 1)), [NewValues] nvarchar(max) NULL CONSTRAINT CK_AuditUser_NewValues CHECK ((ISJSON ("NewValues") = 1)), [ChangedDate] datetimeoffset NOT NULL, [RequestID] char(32) NULL, [AuditUserID] bigint NOT NULL CONSTRAINT [PK_AuditUser] PRIMARY KEY IDENTITY (1, 1), [ChangedBy] int NULL, [UserID] int NULL, CONSTRAINT [CK_AuditUser_Operation] CHECK ([Operation] IN ('insert', 'update', 'soft_delete')));
GO
CREATE INDEX [IX_AuditActivityLog_CompanyID_CreatedDate] ON [audit].[ActivityLog] ([CompanyID], [CreatedDate]);
GO
CREATE INDEX [IX_AuditActivityLog_CreatedDate] ON [audit].[ActivityLog] ([CreatedDate]);
GO
CREATE INDEX [IX_AuditActivityLog_EntityType_EntityID] ON [audit].[ActivityLog] ([EntityType], [EntityID]);
GO
CREATE INDEX [IX_AuditActivityLog_UserID_CreatedDate] ON [audit].[ActivityLog] ([UserID], [CreatedDate]);
GO
CREATE INDEX [IX_AuditCompany_CompanyID_ChangedDate] ON [audit].[Company] ([CompanyID], [ChangedDate]);
GO
CREATE INDEX [IX_AuditRole_UserID_ChangedDate] ON [audit].[Role] ([UserID], [ChangedDate]);
GO
CREATE INDEX [IX_AuditUser_UserID_ChangedDate] ON [audit].[User] ([UserID], [ChangedDate]);
GO
COMMIT TRANSACTION;
GO

-- auditing.0002_append_only
BEGIN TRANSACTION;
GO
--
-- Make ActivityLog append-only (refuse UPDATE and DELETE)
--
CREATE TRIGGER [audit].[TR_AuditActivityLog_AppendOnly] ON [audit].[ActivityLog] INSTEAD OF UPDATE, DELETE AS BEGIN SET NOCOUNT ON; IF NOT EXISTS (SELECT 1 FROM deleted) RETURN; THROW 51000, N'audit rows are append-only', 1; END;
GO
--
-- Make AuditUser append-only (refuse UPDATE and DELETE)
--
CREATE TRIGGER [audit].[TR_AuditUser_AppendOnly] ON [audit].[User] INSTEAD OF UPDATE, DELETE AS BEGIN SET NOCOUNT ON; IF NOT EXISTS (SELECT 1 FROM deleted) RETURN; THROW 51000, N'audit rows are append-only', 1; END;
GO
--
-- Make AuditCompany append-only (refuse UPDATE and DELETE)
--
CREATE TRIGGER [audit].[TR_AuditCompany_AppendOnly] ON [audit].[Company] INSTEAD OF UPDATE, DELETE AS BEGIN SET NOCOUNT ON; IF NOT EXISTS (SELECT 1 FROM deleted) RETURN; THROW 51000, N'audit rows are append-only', 1; END;
GO
--
-- Make AuditRole append-only (refuse UPDATE and DELETE)
--
CREATE TRIGGER [audit].[TR_AuditRole_AppendOnly] ON [audit].[Role] INSTEAD OF UPDATE, DELETE AS BEGIN SET NOCOUNT ON; IF NOT EXISTS (SELECT 1 FROM deleted) RETURN; THROW 51000, N'audit rows are append-only', 1; END;
GO
COMMIT TRANSACTION;
GO

-- auditing.0003_audit_role_company_index
BEGIN TRANSACTION;
GO
--
-- Create index IX_AuditRole_CompanyID_ChangedDate on field(s) company, changed_date of model auditrole
--
CREATE INDEX [IX_AuditRole_CompanyID_ChangedDate] ON [audit].[Role] ([CompanyID], [ChangedDate]);
GO
COMMIT TRANSACTION;
GO

-- contenttypes.0002_remove_content_type_name
BEGIN TRANSACTION;
GO
--
-- Change Meta options on contenttype
--
-- (no-op)
--
-- Alter field name on contenttype
--
ALTER TABLE [django_content_type] ALTER COLUMN [name] nvarchar(100) NULL;
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
--
-- Remove field name from contenttype
--
ALTER TABLE [django_content_type] DROP COLUMN [name];
GO
COMMIT TRANSACTION;
GO

-- auth.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model Permission
--
CREATE TABLE [auth_permission] ([id] int NOT NULL CONSTRAINT [PK_auth_permission] PRIMARY KEY IDENTITY (1, 1), [name] nvarchar(50) NOT NULL, [content_type_id] int NOT NULL, [codename] nvarchar(100) NOT NULL);
GO
--
-- Create model Group
--
CREATE TABLE [auth_group] ([id] int NOT NULL CONSTRAINT [PK_auth_group] PRIMARY KEY IDENTITY (1, 1), [name] nvarchar(80) NOT NULL CONSTRAINT [UQ_auth_group_name] UNIQUE);
GO
CREATE TABLE [auth_group_permissions] ([id] int NOT NULL CONSTRAINT [PK_auth_group_permissions] PRIMARY KEY IDENTITY (1, 1), [group_id] int NOT NULL, [permission_id] int NOT NULL);
GO
--
-- Create model User
--
-- (no-op)
ALTER TABLE [auth_permission] ADD CONSTRAINT [FK_auth_permission_django_content_type] FOREIGN KEY ([content_type_id]) REFERENCES [django_content_type] ([id]);
GO
CREATE INDEX [IX_auth_permission_content_type_id] ON [auth_permission] ([content_type_id]);
GO
CREATE UNIQUE INDEX [UQ_auth_permission_content_type_id_codename] ON [auth_permission] ([content_type_id], [codename]) WHERE [content_type_id] IS NOT NULL AND [codename] IS NOT NULL;
GO
ALTER TABLE [auth_group_permissions] ADD CONSTRAINT [FK_auth_group_permissions_auth_group] FOREIGN KEY ([group_id]) REFERENCES [auth_group] ([id]);
GO
ALTER TABLE [auth_group_permissions] ADD CONSTRAINT [FK_auth_group_permissions_auth_permission] FOREIGN KEY ([permission_id]) REFERENCES [auth_permission] ([id]);
GO
CREATE INDEX [IX_auth_group_permissions_group_id] ON [auth_group_permissions] ([group_id]);
GO
CREATE INDEX [IX_auth_group_permissions_permission_id] ON [auth_group_permissions] ([permission_id]);
GO
CREATE UNIQUE INDEX [UQ_auth_group_permissions_group_id_permission_id] ON [auth_group_permissions] ([group_id], [permission_id]) WHERE [group_id] IS NOT NULL AND [permission_id] IS NOT NULL;
GO
COMMIT TRANSACTION;
GO

-- auth.0002_alter_permission_name_max_length
BEGIN TRANSACTION;
GO
--
-- Alter field name on permission
--
ALTER TABLE [auth_permission] ALTER COLUMN [name] nvarchar(255) NOT NULL;
GO
COMMIT TRANSACTION;
GO

-- auth.0003_alter_user_email_max_length
BEGIN TRANSACTION;
GO
--
-- Alter field email on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- auth.0004_alter_user_username_opts
BEGIN TRANSACTION;
GO
--
-- Alter field username on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- auth.0005_alter_user_last_login_null
BEGIN TRANSACTION;
GO
--
-- Alter field last_login on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- auth.0006_require_contenttypes_0002
BEGIN TRANSACTION;
GO
COMMIT TRANSACTION;
GO

-- auth.0007_alter_validators_add_error_messages
BEGIN TRANSACTION;
GO
--
-- Alter field username on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- auth.0008_alter_user_username_max_length
BEGIN TRANSACTION;
GO
--
-- Alter field username on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- auth.0009_alter_user_last_name_max_length
BEGIN TRANSACTION;
GO
--
-- Alter field last_name on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- auth.0010_alter_group_name_max_length
BEGIN TRANSACTION;
GO
--
-- Alter field name on group
--
ALTER TABLE [auth_group] DROP CONSTRAINT [UQ_auth_group_name];
GO
ALTER TABLE [auth_group] ALTER COLUMN [name] nvarchar(150) NOT NULL;
GO
ALTER TABLE [auth_group] ADD CONSTRAINT [UQ_auth_group_name] UNIQUE ([name]);
GO
COMMIT TRANSACTION;
GO

-- auth.0011_update_proxy_permissions
BEGIN TRANSACTION;
GO
--
-- Raw Python operation
--
-- THIS OPERATION CANNOT BE WRITTEN AS SQL
COMMIT TRANSACTION;
GO

-- auth.0012_alter_user_first_name_max_length
BEGIN TRANSACTION;
GO
--
-- Alter field first_name on user
--
-- (no-op)
COMMIT TRANSACTION;
GO

-- companies.0004_list_order_indexes
BEGIN TRANSACTION;
GO
--
-- Create index IX_UserCompany_CompanyID_JoinedDate on field(s) company, joined_date of model usercompany
--
CREATE INDEX [IX_UserCompany_CompanyID_JoinedDate] ON [dbo].[UserCompany] ([CompanyID], [JoinedDate]);
GO
--
-- Create index IX_UserInvitation_CompanyID_InvitedAt on field(s) company, invited_at of model userinvitation
--
CREATE INDEX [IX_UserInvitation_CompanyID_InvitedAt] ON [dbo].[UserInvitation] ([CompanyID], [InvitedAt]);
GO
COMMIT TRANSACTION;
GO

-- configuration.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model AppSetting
--
CREATE TABLE [config].[AppSetting] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [AppSettingID] int NOT NULL CONSTRAINT [PK_AppSetting] PRIMARY KEY IDENTITY (1, 1), [SettingKey] nvarchar(100) NOT NULL, [SettingValue] nvarchar(max) NOT NULL, [DefaultValue] nvarchar(max) NOT NULL, [Description] nvarchar(500) NOT NULL, [MinValue] numeric(18, 4) NULL, [MaxValue] numeric(18, 4) NULL, [IsEditable] bit NOT NULL, [IsSensitive] bit NOT NULL, [SortOrder] int NOT NULL, [SettingCategoryID] int NOT NULL, [CreatedBy] int NULL, [SettingTypeID] int NOT NULL, [UpdatedBy] int NULL, CONSTRAINT [UQ_AppSetting_SettingKey] UNIQUE ([SettingKey]));
GO
--
-- Create model ValidationRule
--
CREATE TABLE [config].[ValidationRule] ([CreatedDate] datetimeoffset NOT NULL, [UpdatedDate] datetimeoffset NOT NULL, [ValidationRuleID] int NOT NULL CONSTRAINT [PK_ValidationRule] PRIMARY KEY IDENTITY (1, 1), [RuleName] nvarchar(100) NOT NULL, [ValidationPattern] nvarchar(500) NOT NULL, [ErrorMessage] nvarchar(255) NOT NULL, [ExampleValue] nvarchar(100) NOT NULL, [Description] nvarchar(500) NOT NULL, [IsActive] bit NOT NULL, [SortOrder] int NOT NULL, [CountryID] int NOT NULL, [CreatedBy] int NULL, [RuleTypeID] int NOT NULL, [UpdatedBy] int NULL, CONSTRAINT [UQ_ValidationRule_CountryID_RuleTypeID_RuleName] UNIQUE ([CountryID], [RuleTypeID], [RuleName]));
GO
ALTER TABLE [config].[AppSetting] ADD CONSTRAINT [FK_AppSetting_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [config].[AppSetting] ADD CONSTRAINT [FK_AppSetting_SettingCategory] FOREIGN KEY ([SettingCategoryID]) REFERENCES [ref].[SettingCategory] ([SettingCategoryID]);
GO
ALTER TABLE [config].[AppSetting] ADD CONSTRAINT [FK_AppSetting_SettingType] FOREIGN KEY ([SettingTypeID]) REFERENCES [ref].[SettingType] ([SettingTypeID]);
GO
ALTER TABLE [config].[AppSetting] ADD CONSTRAINT [FK_AppSetting_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_AppSetting_CreatedBy] ON [config].[AppSetting] ([CreatedBy]);
GO
CREATE INDEX [IX_AppSetting_SettingCategoryID] ON [config].[AppSetting] ([SettingCategoryID]);
GO
CREATE INDEX [IX_AppSetting_SettingTypeID] ON [config].[AppSetting] ([SettingTypeID]);
GO
CREATE INDEX [IX_AppSetting_UpdatedBy] ON [config].[AppSetting] ([UpdatedBy]);
GO
ALTER TABLE [config].[ValidationRule] ADD CONSTRAINT [FK_ValidationRule_Country] FOREIGN KEY ([CountryID]) REFERENCES [ref].[Country] ([CountryID]);
GO
ALTER TABLE [config].[ValidationRule] ADD CONSTRAINT [FK_ValidationRule_CreatedBy] FOREIGN KEY ([CreatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
ALTER TABLE [config].[ValidationRule] ADD CONSTRAINT [FK_ValidationRule_RuleType] FOREIGN KEY ([RuleTypeID]) REFERENCES [ref].[RuleType] ([RuleTypeID]);
GO
ALTER TABLE [config].[ValidationRule] ADD CONSTRAINT [FK_ValidationRule_UpdatedBy] FOREIGN KEY ([UpdatedBy]) REFERENCES [dbo].[User] ([UserID]);
GO
CREATE INDEX [IX_ValidationRule_CreatedBy] ON [config].[ValidationRule] ([CreatedBy]);
GO
CREATE INDEX [IX_ValidationRule_RuleTypeID] ON [config].[ValidationRule] ([RuleTypeID]);
GO
CREATE INDEX [IX_ValidationRule_UpdatedBy] ON [config].[ValidationRule] ([UpdatedBy]);
GO
COMMIT TRANSACTION;
GO

-- django_tasks_database.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model DBTaskResult
--
CREATE TABLE [django_tasks_database_dbtaskresult] ([id] char(32) NOT NULL CONSTRAINT [PK_django_tasks_database_dbtaskresult] PRIMARY KEY, [status] nvarchar(10) NOT NULL, [enqueued_at] datetimeoffset NOT NULL, [started_at] datetimeoffset NULL, [finished_at] datetimeoffset NULL, [args_kwargs] nvarchar(max) NOT NULL CONSTRAINT CK_django_tasks_database_dbtaskresult_args_kwargs CHECK ((ISJSON ("args_kwargs") = 1)), [priority] int NOT NULL, [task_path] nvarchar(max) NOT NULL, [worker_ids] nvarchar(max) NOT NULL CONSTRAINT CK_django_tasks_database_dbtaskresult_worker_ids CHECK ((ISJSON ("worker_ids") = 1)), [queue_name] nvarchar(32) NOT NULL, [backend_name] nvarchar(32) NOT NULL, [run_after] datetimeoffset NOT NULL, [return_value] nvarchar(max) NULL CONSTRAINT CK_django_tasks_database_dbtaskresult_return_value CHECK ((ISJSON ("return_value") = 1)), [exception_class_path] nvarchar(max) NOT NULL, [traceback] nvarchar(max) NOT NULL, CONSTRAINT [priority_range] CHECK ([priority] BETWEEN -100 AND 100));
GO
CREATE INDEX [django_task_backend_071754_idx] ON [django_tasks_database_dbtaskresult] ([backend_name]);
GO
CREATE INDEX [django_task_queue_n_99c321_idx] ON [django_tasks_database_dbtaskresult] ([queue_name]);
GO
CREATE INDEX [tasks_db_new_ordering_idx] ON [django_tasks_database_dbtaskresult] ([status], [priority] DESC, [run_after] ASC, [enqueued_at] ASC) WHERE [status] = 'READY';
GO
COMMIT TRANSACTION;
GO

-- logging_app.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model ApiRequest
--
CREATE TABLE [log].[ApiRequest] ([ApiRequestID] bigint NOT NULL CONSTRAINT [PK_ApiRequest] PRIMARY KEY IDENTITY (1, 1), [RequestID] char(32) NOT NULL, [Method] nvarchar(10) NOT NULL, [Path] nvarchar(500) NOT NULL, [QueryString] nvarchar(2000) NOT NULL, [StatusCode] smallint NOT NULL, [DurationMs] int NOT NULL, [IPAddress] nvarchar(39) NULL, [UserAgent] nvarchar(500) NOT NULL, [RequestBytes] int NOT NULL, [ResponseBytes] int NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [CompanyID] int NULL, [UserID] int NULL);
GO
--
-- Create model ApplicationError
--
CREATE TABLE [log].[ApplicationError] ([ApplicationErrorID] bigint NOT NULL CONSTRAINT [PK_ApplicationError] PRIMARY KEY IDENTITY (1, 1), [RequestID] char(32) NULL, [Severity] nvarchar(20) NOT NULL, [ErrorType] nvarchar(200) NOT NULL, [Message] nvarchar(max) NOT NULL, [StackTrace] nvarchar(max) NOT NULL, [Method] nvarchar(10) NOT NULL, [Path] nvarchar(500) NOT NULL, [CreatedDate] datetimeoffset NOT NULL, [UserID] int NULL);
GO
--
-- Create model AuthEvent
--
CREATE TABLE [log].[AuthEvent] ([AuthEventID] bigint NOT NULL CONSTRAINT [PK_AuthEvent] PRIMARY KEY IDENTITY (1, 1), [Email] nvarchar(254) NOT NULL, [EventType] nvarchar(40) NOT NULL, [FailureReason] nvarchar(100) NOT NULL, [IPAddress] nvarchar(39) NULL, [UserAgent] nvarchar(500) NOT NULL, [RequestID] char(32) NULL, [CreatedDate] datetimeoffset NOT NULL, [UserID] int NULL, CONSTRAINT [CK_AuthEvent_EventType] CHECK ([EventType] IN ('login_success', 'login_failed', 'account_locked', 'account_unlocked', 'logout', 'logout_all', 'token_refreshed', 'email_verified', 'password_reset_requested', 'password_reset_completed', 'password_changed')));
GO
--
-- Create model EmailDelivery
--
CREATE TABLE [log].[EmailDelivery] ([EmailDeliveryID] bigint NOT NULL CONSTRAINT [PK_EmailDelivery] PRIMARY KEY IDENTITY (1, 1), [RecipientEmail] nvarchar(254) NOT NULL, [EmailType] nvarchar(40) NOT NULL, [Subject] nvarchar(255) NOT NULL, [Status] nvarchar(10) NOT NULL, [ProviderMessageID] nvarchar(255) NOT NULL, [ErrorMessage] nvarchar(max) NOT NULL, [AttemptCount] int NOT NULL, [SentAt] datetimeoffset NULL, [CreatedDate] datetimeoffset NOT NULL, [UserID] int NULL, [UserInvitationID] int NULL, CONSTRAINT [CK_EmailDelivery_Status] CHECK ([Status] IN ('queued', 'sent', 'failed')), CONSTRAINT [CK_EmailDelivery_EmailType] CHECK ([EmailType] IN ('email_verification', 'password_reset', 'invitation', 'account_locked', 'signup_existing_account')));
GO
CREATE INDEX [IX_ApiRequest_CreatedDate] ON [log].[ApiRequest] ([CreatedDate]);
GO
CREATE INDEX [IX_ApiRequest_RequestID] ON [log].[ApiRequest] ([RequestID]);
GO
CREATE INDEX [IX_ApiRequest_UserID_CreatedDate] ON [log].[ApiRequest] ([UserID], [CreatedDate]);
GO
CREATE INDEX [IX_ApplicationError_CreatedDate] ON [log].[ApplicationError] ([CreatedDate]);
GO
CREATE INDEX [IX_ApplicationError_RequestID] ON [log].[ApplicationError] ([RequestID]);
GO
CREATE INDEX [IX_AuthEvent_CreatedDate] ON [log].[AuthEvent] ([CreatedDate]);
GO
CREATE INDEX [IX_AuthEvent_Email] ON [log].[AuthEvent] ([Email]);
GO
CREATE INDEX [IX_AuthEvent_UserID_CreatedDate] ON [log].[AuthEvent] ([UserID], [CreatedDate]);
GO
CREATE INDEX [IX_EmailDelivery_CreatedDate] ON [log].[EmailDelivery] ([CreatedDate]);
GO
CREATE INDEX [IX_EmailDelivery_RecipientEmail] ON [log].[EmailDelivery] ([RecipientEmail]);
GO
CREATE INDEX [IX_EmailDelivery_Status_CreatedDate] ON [log].[EmailDelivery] ([Status], [CreatedDate]);
GO
COMMIT TRANSACTION;
GO

-- logging_app.0002_emaildelivery_claimeduntil
BEGIN TRANSACTION;
GO
--
-- Add field claimed_until to emaildelivery
--
ALTER TABLE [log].[EmailDelivery] ADD [ClaimedUntil] datetimeoffset NULL;
GO
COMMIT TRANSACTION;
GO

-- logging_app.0003_session_events_and_security_emails
BEGIN TRANSACTION;
GO
--
-- Remove constraint CK_AuthEvent_EventType from model authevent
--
ALTER TABLE [log].[AuthEvent] DROP CONSTRAINT [CK_AuthEvent_EventType];
GO
--
-- Remove constraint CK_EmailDelivery_EmailType from model emaildelivery
--
ALTER TABLE [log].[EmailDelivery] DROP CONSTRAINT [CK_EmailDelivery_EmailType];
GO
--
-- Add field auth_event to emaildelivery
--
ALTER TABLE [log].[EmailDelivery] ADD [AuthEventID] bigint NULL;
GO
--
-- Alter field event_type on authevent
--
-- (no-op)
--
-- Alter field email_type on emaildelivery
--
-- (no-op)
--
-- Create constraint CK_AuthEvent_EventType on model authevent
--
ALTER TABLE [log].[AuthEvent] ADD CONSTRAINT [CK_AuthEvent_EventType] CHECK ([EventType] IN ('login_success', 'login_failed', 'account_locked', 'account_unlocked', 'logout', 'logout_all', 'token_refreshed', 'email_verified', 'password_reset_requested', 'password_reset_completed', 'password_changed', 'session_ended', 'token_reuse_detected', 'reauthenticated', 'account_secured'));
GO
--
-- Create constraint CK_EmailDelivery_EmailType on model emaildelivery
--
ALTER TABLE [log].[EmailDelivery] ADD CONSTRAINT [CK_EmailDelivery_EmailType] CHECK ([EmailType] IN ('email_verification', 'password_reset', 'invitation', 'account_locked', 'signup_existing_account', 'security_password_changed', 'security_password_reset', 'security_new_device', 'security_token_reuse'));
GO
COMMIT TRANSACTION;
GO

-- logging_app.0004_mfa_and_lifecycle_events
BEGIN TRANSACTION;
GO
--
-- Remove constraint CK_AuthEvent_EventType from model authevent
--
ALTER TABLE [log].[AuthEvent] DROP CONSTRAINT [CK_AuthEvent_EventType];
GO
--
-- Remove constraint CK_EmailDelivery_EmailType from model emaildelivery
--
ALTER TABLE [log].[EmailDelivery] DROP CONSTRAINT [CK_EmailDelivery_EmailType];
GO
--
-- Alter field event_type on authevent
--
-- (no-op)
--
-- Alter field email_type on emaildelivery
--
-- (no-op)
--
-- Create constraint CK_AuthEvent_EventType on model authevent
--
ALTER TABLE [log].[AuthEvent] ADD CONSTRAINT [CK_AuthEvent_EventType] CHECK ([EventType] IN ('login_success', 'login_failed', 'account_locked', 'account_unlocked', 'logout', 'logout_all', 'token_refreshed', 'email_verified', 'password_reset_requested', 'password_reset_completed', 'password_changed', 'session_ended', 'token_reuse_detected', 'reauthenticated', 'account_secured', 'mfa_challenged', 'mfa_enabled', 'mfa_disabled', 'recovery_code_used', 'recovery_codes_regenerated', 'email_change_requested', 'email_changed', 'account_closed'));
GO
--
-- Create constraint CK_EmailDelivery_EmailType on model emaildelivery
--
ALTER TABLE [log].[EmailDelivery] ADD CONSTRAINT [CK_EmailDelivery_EmailType] CHECK ([EmailType] IN ('email_verification', 'password_reset', 'invitation', 'account_locked', 'signup_existing_account', 'security_password_changed', 'security_password_reset', 'security_new_device', 'security_token_reuse', 'security_mfa_enabled', 'security_mfa_disabled', 'security_recovery_code_used', 'security_recovery_codes_regenerated', 'security_email_change_requested', 'security_email_changed', 'email_change_confirm', 'email_change_address_taken'));
GO
COMMIT TRANSACTION;
GO

-- logging_app.0005_abr_lookup
BEGIN TRANSACTION;
GO
--
-- Create model AbrLookup
--
CREATE TABLE [log].[ABRLookup] ([ABRLookupID] bigint NOT NULL CONSTRAINT [PK_ABRLookup] PRIMARY KEY IDENTITY (1, 1), [SearchType] nvarchar(4) NOT NULL, [Outcome] nvarchar(10) NOT NULL, [CreatedDate] datetimeoffset NOT NULL, CONSTRAINT [CK_ABRLookup_SearchType] CHECK ([SearchType] IN ('abn', 'acn', 'name')), CONSTRAINT [CK_ABRLookup_Outcome] CHECK ([Outcome] IN ('hit', 'miss', 'stale', 'failed')));
GO
CREATE INDEX [IX_ABRLookup_CreatedDate] ON [log].[ABRLookup] ([CreatedDate]);
GO
COMMIT TRANSACTION;
GO

-- logging_app.0006_email_delivery_user_index
BEGIN TRANSACTION;
GO
--
-- Create index IX_EmailDelivery_UserID_CreatedDate on field(s) user, created_date of model emaildelivery
--
CREATE INDEX [IX_EmailDelivery_UserID_CreatedDate] ON [log].[EmailDelivery] ([UserID], [CreatedDate]);
GO
COMMIT TRANSACTION;
GO

-- sessions.0001_initial
BEGIN TRANSACTION;
GO
--
-- Create model Session
--
CREATE TABLE [django_session] ([session_key] nvarchar(40) NOT NULL CONSTRAINT [PK_django_session] PRIMARY KEY, [session_data] nvarchar(max) NOT NULL, [expire_date] datetimeoffset NOT NULL);
GO
CREATE INDEX [IX_django_session_expire_date] ON [django_session] ([expire_date]);
GO
COMMIT TRANSACTION;
GO
