from django.urls import path

from . import apis, lifecycle_apis, mfa_apis

urlpatterns = [
    path("auth/signup", apis.SignupApi.as_view(), name="auth-signup"),
    path("auth/verify-email", apis.VerifyEmailApi.as_view(), name="auth-verify-email"),
    path("auth/verify-email/resend", apis.VerifyEmailResendApi.as_view(), name="auth-verify-email-resend"),
    path("auth/login", apis.LoginApi.as_view(), name="auth-login"),
    path("auth/token/refresh", apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout", apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/logout-all", apis.LogoutAllApi.as_view(), name="auth-logout-all"),
    path("auth/password-reset", apis.PasswordResetApi.as_view(), name="auth-password-reset"),
    path("auth/password-reset/confirm", apis.PasswordResetConfirmApi.as_view(), name="auth-password-reset-confirm"),
    path("auth/password-change", apis.PasswordChangeApi.as_view(), name="auth-password-change"),
    path("auth/sessions", apis.SessionsApi.as_view(), name="auth-sessions"),
    path("auth/sessions/revoke-others", apis.SessionsRevokeOthersApi.as_view(), name="auth-sessions-revoke-others"),
    path("auth/sessions/<str:session_id>", apis.SessionApi.as_view(), name="auth-session"),
    path("auth/reauthenticate", apis.ReauthenticateApi.as_view(), name="auth-reauthenticate"),
    path("auth/secure-account", apis.SecureAccountApi.as_view(), name="auth-secure-account"),
    path("auth/mfa", mfa_apis.MfaStatusApi.as_view(), name="auth-mfa"),
    path("auth/mfa/totp/setup", mfa_apis.TotpSetupApi.as_view(), name="auth-mfa-totp-setup"),
    path("auth/mfa/totp/confirm", mfa_apis.TotpConfirmApi.as_view(), name="auth-mfa-totp-confirm"),
    path("auth/mfa/totp", mfa_apis.TotpApi.as_view(), name="auth-mfa-totp"),
    path("auth/mfa/recovery-codes", mfa_apis.RecoveryCodesApi.as_view(), name="auth-mfa-recovery-codes"),
    path("auth/mfa/verify", mfa_apis.MfaVerifyApi.as_view(), name="auth-mfa-verify"),
    path("users/me", lifecycle_apis.AccountApi.as_view(), name="users-me"),
    path("users/me/email", lifecycle_apis.EmailChangeApi.as_view(), name="users-me-email"),
    path("users/me/email/confirm", lifecycle_apis.EmailChangeConfirmApi.as_view(), name="users-me-email-confirm"),
    path("users/me/export", lifecycle_apis.AccountExportApi.as_view(), name="users-me-export"),
]
