"""Settings, read from the environment (see README, "Configuration")."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from eventlead.db.config import database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set unless DEBUG is on.")
    SECRET_KEY = "insecure-development-key-" + "x" * 40

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "eventlead.db",
    "eventlead.core",
    "reference",
    "configuration",
    "accounts",
    "companies",
    "logging_app",
    "auditing",
    "abrcache",
]

MIDDLEWARE = [
    "eventlead.core.middleware.ContentLengthMiddleware",
    "eventlead.core.context.RequestContextMiddleware",
    "logging_app.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "eventlead.urls"
WSGI_APPLICATION = "eventlead.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "eventlead" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"), default_sqlite=VAR_DIR / "eventlead.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "eventlead.core.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = "en-au"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))

FRONTEND_BASE_URL = os.environ.get("FRONTEND_BASE_URL", "http://localhost:3000").rstrip("/")
ABR_GUID = os.environ.get("ABR_GUID", "")
ABR_BASE_URL = os.environ.get("ABR_BASE_URL", "https://abr.business.gov.au/json/")
ABR_TIMEOUT_SECONDS = float(os.environ.get("ABR_TIMEOUT_SECONDS", "5"))

# log.ApiRequest: on unless REQUEST_LOGGING=0; see logging_app/request_log.py.
REQUEST_LOGGING = env_bool("REQUEST_LOGGING", True)
REQUEST_LOG_BUFFER_SIZE = int(os.environ.get("REQUEST_LOG_BUFFER_SIZE", "10000"))
REQUEST_LOG_BATCH_SIZE = int(os.environ.get("REQUEST_LOG_BATCH_SIZE", "500"))
REQUEST_LOG_FLUSH_SECONDS = float(os.environ.get("REQUEST_LOG_FLUSH_SECONDS", "2"))
LOG_RETENTION_DAYS = int(os.environ.get("LOG_RETENTION_DAYS", "90"))

# Every handler prints through the redaction filter (eventlead/core/redaction.py), so a secret in a
# message, its arguments or a traceback never reaches a log. Django's own handlers are replaced,
# since its defaults have no such filter: the "django" logger's (a DEBUG-only console and
# mail_admins, unused without ADMINS) by the root console it propagates to, and runserver's
# request lines ("django.server", with their query strings) by a redacting handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "eventlead.core.redaction.RedactingFilter"}},
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact"]},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server", "filters": ["redact"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        # mssql-python writes warnings through a stderr handler of its own; redact them on the way in.
        "mssql_python": {"filters": ["redact"]},
    },
}

# models.E034 limits index names to 30 characters for Oracle, which this project does not
# support. The naming standard's names (IX_UserInvitation_CompanyID_StatusID) are longer;
# audit_schema enforces PostgreSQL's real limit of 63 instead.
SILENCED_SYSTEM_CHECKS = ["models.E034"]

INSTALLED_APPS += [
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
]

# Browsers may call the API only from these origins (the web app); none by default.
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"
SERVE_API_DOCS = env_bool("SERVE_API_DOCS", True)

REST_FRAMEWORK = {
    # camelCase on the wire happens here and nowhere else (ADR-003).
    "DEFAULT_RENDERER_CLASSES": ["eventlead.core.renderers.CamelCaseJSONRenderer"],
    # The parser bounds body size and JSON nesting before parsing (eventlead/core/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["eventlead.core.parsers.CamelCaseJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.VersionedJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.PasswordNotExpired",
    ],
    "DEFAULT_THROTTLE_CLASSES": [],
    "EXCEPTION_HANDLER": "eventlead.core.exceptions.api_exception_handler",
    # Adds the documented error responses to every operation (eventlead/core/openapi.py).
    "DEFAULT_SCHEMA_CLASS": "eventlead.core.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    # Client IPs come from X-Forwarded-For only behind this many trusted proxies (0: never).
    "NUM_PROXIES": int(os.environ.get("TRUSTED_PROXY_COUNT", "0")),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "EventLead Platform API",
    "DESCRIPTION": "Epic 1: sign-up, email verification, login with JWT, password flows, companies, invitations. "
    "No string may hold the NUL character (U+0000): a request with one is a 400 validation_error.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The prefix operationIds and tags are cut from, fixed: guessed from the mounted URLs, it became
    # /api/v1/ in production (no /api/schema/ there), and every operationId changed
    # (v1_companies_create -> companies_create), the links' and generated clients' names with them.
    "SCHEMA_PATH_PREFIX": r"/api/",
    # A PATCH body is documented with the fields its serializer requires, not as all optional:
    # a member's role change takes its role (MemberRoleInput); the other PATCH inputs require none.
    "COMPONENT_SPLIT_PATCH": False,
    # The <id:...> path converter (eventlead/core/converters.py): 32-bit AutoField ids.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 2147483647}},
    "CAMELIZE_NAMES": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        # The error shape's nested field errors, and OpenAPI links between operations.
        "eventlead.core.openapi.add_field_errors",
        "eventlead.core.openapi.add_links",
    ],
}

# JWTs are signed with their own key, never SECRET_KEY (OWASP JWT cheat sheet).
JWT_SIGNING_KEY = os.environ.get("JWT_SIGNING_KEY", "")
if not JWT_SIGNING_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("JWT_SIGNING_KEY must be set unless DEBUG is on.")
    JWT_SIGNING_KEY = "development-jwt-signing-key-" + "y" * 40

SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "LEEWAY": 0,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_TOKEN_CLASSES": ("accounts.jwt.VersionedAccessToken",),
}

# simplejwt's blacklist tables get one clean initial migration: their upstream history
# alters a uniquely constrained column, which SQL Server refuses (simplejwt #615), and no
# database predates this project.
MIGRATION_MODULES = {"token_blacklist": "eventlead.db.token_blacklist_migrations"}

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        # Shared by every worker process, unlike the local-memory default; never evicts a live
        # entry, so requests under many new keys cannot reset others' rate limits.
        else {"BACKEND": "eventlead.core.cache.DatabaseCache", "LOCATION": "django_cache"}
    )
}

AUTHENTICATION_BACKENDS = ["accounts.backends.EmailLockoutBackend"]


AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.SettingMinimumLengthValidator"},
    {"NAME": "accounts.validators.SettingLettersAndDigitsValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
]
# Longer passwords are refused before hashing (long-password denial of service).
PASSWORD_MAX_LENGTH = 256

# --- Admin back office (issue 6) ---------------------------------------------------------------
# The admin app runs our own site (eventlead/backoffice): system admins only, two-factor sign-in.
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "eventlead.backoffice.apps.BackOfficeAdminConfig"
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp"]
# OTPMiddleware marks request.user verified once a TOTP code was accepted in this session.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "django_otp.middleware.OTPMiddleware",
)
# TOTP on admin sign-in (OWASP ASVS 4.0.3, V4.3.1): on in production, off under DEBUG (make run).
ADMIN_REQUIRE_2FA = env_bool("ADMIN_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "EventLead"
# Wrong TOTP codes count toward the account lockout and the MFA step's rate limits instead of
# django-otp's per-device delay, which would also refuse the right code typed a second later.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Email queue (django-tasks) ---------------------------------------------------------------
# No request sends mail: it records the message in log.EmailDelivery and enqueues a task that a
# worker process (manage.py db_worker; the Procfile's worker) sends. The database backend keeps
# the queue in this database, so there is no broker to run (logging_app/tasks.py).
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Its table gets one clean initial migration, as simplejwt's do: the upstream history alters
# run_after's default in a way SQL Server's script cannot follow, and no database predates it.
MIGRATION_MODULES["django_tasks_database"] = "eventlead.db.tasks_db_migrations"

# --- HTTP hardening (CSP, cache headers, body limits) ---
# Request bodies: at most 1 MiB. Django refuses a larger Content-Length, and the API's parser
# (eventlead/core/parsers.py) holds JSON to the same limit and to 32 levels of nesting, before
# anything recursive reads it; both answer 413 payload_too_large under /api/. The largest
# legitimate body, a bulk invitation of 100 rows, is about 20 KB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# camelCase keys with digits map onto fields without an underscore before the digit:
# addressLine1 -> address_line1, as the renderer writes it (not address_line_1, which no field has).
JSON_CAMEL_CASE = {"JSON_UNDERSCOREIZE": {"no_underscore_before_number": True}}
# Every /api/ response is Cache-Control: no-store unless its view sets its own (eventlead/core/middleware.py).
MIDDLEWARE.insert(
    MIDDLEWARE.index("eventlead.core.context.RequestContextMiddleware") + 1,
    "eventlead.core.middleware.ApiNoStoreMiddleware",
)
# ... and every /api/ error is JSON in the error shape, under DEBUG too (make run).
MIDDLEWARE.insert(
    MIDDLEWARE.index("eventlead.core.middleware.ApiNoStoreMiddleware") + 1,
    "eventlead.core.middleware.ApiErrorShapeMiddleware",
)
# Content-Security-Policy on every response (django-csp): what the back office and Swagger UI
# load is served from here. Scripts must come from this origin, or carry the request's nonce
# (only Swagger UI's start-up script does: eventlead/templates/drf_spectacular/swagger_ui.html).
# Inline styles stay allowed: Django's admin templates (change_list.html) and ours carry
# <style> blocks, and a style cannot run code.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
from csp.constants import NONCE, NONE, SELF  # noqa: E402 (this section's own)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],  # Swagger UI's icons are data: URIs
        "font-src": [SELF],
        "connect-src": [SELF],  # Swagger UI fetches the schema and tries requests
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
