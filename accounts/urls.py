from django.urls import path

from . import apis

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
    path("users/me", apis.MeApi.as_view(), name="users-me"),
]
