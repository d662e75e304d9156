"""Floors: each hot read endpoint rebuilt with the least work that gives the same answer.

A floor answers exactly the JSON body of its endpoint, for the same Bearer token, but skips
the layers the endpoint is built from: it decodes the JWT with PyJWT itself, reads the user
with one hand-written query, checks the membership where the endpoint does, reads the rows
with hand-written SELECTs and JOINs, and builds plain dicts. What is left is what any version
of the endpoint must pay: Django, the middleware, DRF's dispatch and the JSON renderer, the
same round trips to the database and the same body. ``bench/run`` measures each endpoint
right after its floor; the ratio of their CPU per request is how much the endpoint's own
layers (ORM, serializers, authentication classes) add.

Only ``bench.urls`` mounts these views; production never does.

Table and column names come from the models' ``_meta``, quoted by the connection's backend
(``"dbo"."User"`` on PostgreSQL, ``"dbo.User"`` on SQLite), and are built once, at first use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, partial

import jwt
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.cache import patch_cache_control
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken

from accounts.jwt import ACCESS_VERSION_CLAIM, SESSION_CLAIM
from accounts.models import User, UserSession
from companies.access import MESSAGE_ADMINS_ONLY
from companies.apis import INVITATION_STATUSES, MESSAGE_INVITATION_STATUS
from companies.models import Company, UserCompany, UserInvitation
from companies.selectors import INVITATION_ORDER, MEMBER_ORDER
from eventlead.core.exceptions import MfaRequired, NotFound, PermissionDeniedError, ValidationFailed
from eventlead.core.pagination import DEFAULT_LIMIT, KeyOrder, cursor_encode
from reference.models import (
    Country,
    Industry,
    JoinedVia,
    UserCompanyRole,
    UserCompanyStatus,
    UserInvitationStatus,
    UserStatus,
)

# The messages of accounts/authentication.py, so a refusal reads the same as the endpoint's.
# S105 reads "TOKEN" in a name as a secret; these are messages.
MESSAGE_TOKEN_INVALID = "The access token is invalid or expired."  # noqa: S105
MESSAGE_TOKEN_REVOKED = "The access token is no longer valid."  # noqa: S105
MESSAGE_BAD_HEADER = "Authorization header must contain two space-delimited values"

# The reference lists are public and cacheable, as reference/apis.py says.
REFERENCE_MAX_AGE = 300


# SQL names ------------------------------------------------------------------------------------


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(alias: str, model, field: str) -> str:
    """``alias."Column"`` of a model field (``"pk"`` for the primary key)."""
    meta = model._meta
    name = meta.pk.column if field == "pk" else meta.get_field(field).column
    return f"{alias}.{connection.ops.quote_name(name)}"


def columns(alias: str, model, *fields: str) -> str:
    return ", ".join(column(alias, model, field) for field in fields)


# Values as DRF's fields render them ------------------------------------------------------------


def aware(value: datetime | None) -> datetime | None:
    """SQLite's driver gives the naive UTC that Django stores there; PostgreSQL's gives it aware."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def iso_datetime(value: datetime | None) -> str | None:
    """DRF's DateTimeField: ISO 8601 in the current time zone, ``Z`` for UTC."""
    if value is None:
        return None
    text = timezone.localtime(aware(value)).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def json_value(value):
    """A JSON column: the drivers hand it over as text, as Django's JSONField receives it."""
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def decimal_text(value, places: int) -> str | None:
    """DRF's DecimalField with its model field's places; SQLite's driver may give a float."""
    if value is None:
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return f"{number.quantize(Decimal(1).scaleb(-places)):f}"


def display_name(company_name: str, legal_name: str, business_names, custom_name: str, source: str) -> str:
    """Company.display_name, from the columns."""
    if source == Company.DisplayNameSource.CUSTOM and custom_name:
        return custom_name
    if source == Company.DisplayNameSource.BUSINESS and business_names:
        return business_names[0]
    return legal_name or company_name


# Queries --------------------------------------------------------------------------------------


def fetch_one(sql: str, params: list) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def fetch_all(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# MfaEnabledAt: a company that requires MFA refuses a member without it (companies.access.mfa_policy_check).
AUTH_FIELDS = ("pk", "is_deleted", "is_locked", "locked_until", "access_token_version", "mfa_enabled_at")
SESSION_FIELDS = ("ended_at", "expires_at")
PROFILE_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "phone",
    "role_title",
    "timezone_identifier",
    "profile_picture_url",
    "email_verified_at",
    "last_login",
)


@cache
def user_sql(profile: bool) -> str:
    """The token's session and its user with the status code; with the profile columns for users/me."""
    fields = AUTH_FIELDS + (PROFILE_FIELDS if profile else ())
    return (
        f"SELECT {column('s', UserStatus, 'code')}, {columns('u', User, *fields)}, "
        f"{columns('us', UserSession, *SESSION_FIELDS)} "
        f"FROM {table(UserSession)} us "
        f"JOIN {table(User)} u ON {column('u', User, 'pk')} = {column('us', UserSession, 'user')} "
        f"JOIN {table(UserStatus)} s ON {column('s', UserStatus, 'pk')} = {column('u', User, 'status')} "
        f"WHERE {column('us', UserSession, 'session_key')} = %s AND {column('us', UserSession, 'user')} = %s"
    )


DISPLAY_NAME_FIELDS = (
    "pk",
    "company_name",
    "legal_entity_name",
    "business_names",
    "custom_display_name",
    "display_name_source",
)


@cache
def memberships_sql() -> str:
    """accounts.selectors.user_memberships: the user's active memberships, by company name."""
    return (
        f"SELECT {columns('c', Company, *DISPLAY_NAME_FIELDS)}, {column('r', UserCompanyRole, 'code')}, "
        f"{column('c', Company, 'require_mfa')} "
        f"FROM {table(UserCompany)} m "
        f"JOIN {table(Company)} c ON {column('c', Company, 'pk')} = {column('m', UserCompany, 'company')} "
        f"JOIN {table(UserCompanyRole)} r ON {column('r', UserCompanyRole, 'pk')} = {column('m', UserCompany, 'role')} "
        f"JOIN {table(UserCompanyStatus)} s "
        f"ON {column('s', UserCompanyStatus, 'pk')} = {column('m', UserCompany, 'status')} "
        f"WHERE {column('m', UserCompany, 'user')} = %s AND {column('m', UserCompany, 'is_deleted')} = %s "
        f"AND {column('s', UserCompanyStatus, 'code')} = %s AND {column('c', Company, 'is_deleted')} = %s "
        f"ORDER BY {column('c', Company, 'company_name')}"
    )


def membership_from(more_joins: str = "") -> str:
    """FROM and WHERE of companies.access.membership_get: the caller's active membership of a live company."""
    return (
        f"FROM {table(UserCompany)} m "
        f"JOIN {table(Company)} c ON {column('c', Company, 'pk')} = {column('m', UserCompany, 'company')} "
        f"JOIN {table(UserCompanyRole)} r ON {column('r', UserCompanyRole, 'pk')} = {column('m', UserCompany, 'role')} "
        f"JOIN {table(UserCompanyStatus)} s "
        f"ON {column('s', UserCompanyStatus, 'pk')} = {column('m', UserCompany, 'status')} "
        f"{more_joins}"
        f"WHERE {column('m', UserCompany, 'user')} = %s AND {column('m', UserCompany, 'company')} = %s "
        f"AND {column('c', Company, 'is_deleted')} = %s AND {column('m', UserCompany, 'is_deleted')} = %s "
        f"AND {column('s', UserCompanyStatus, 'code')} = %s"
    )


@cache
def membership_role_sql() -> str:
    return f"SELECT {column('r', UserCompanyRole, 'code')}, {column('c', Company, 'require_mfa')} {membership_from()}"


COMPANY_FIELDS = (
    "pk",
    "company_name",
    "legal_entity_name",
    "business_names",
    "custom_display_name",
    "display_name_source",
    "abn",
    "acn",
    "abn_status",
    "abn_status_effective_from",
    "entity_type",
    "gst_registered",
    "gst_registered_from",
    "abr_last_verified_at",
    "phone",
    "email",
    "website",
    "address_line1",
    "address_line2",
    "suburb",
    "state_code",
    "postal_code",
    "parent_company",
    "require_mfa",
    "created_date",
)
# Text columns the body shows as they are, in the body's order.
COMPANY_CONTACT_FIELDS = COMPANY_FIELDS[COMPANY_FIELDS.index("phone") : COMPANY_FIELDS.index("parent_company")]


@cache
def company_sql() -> str:
    """The membership check and the company with its country, industry and the caller's role, in one."""
    return (
        f"SELECT {columns('c', Company, *COMPANY_FIELDS)}, {column('co', Country, 'country_code')}, "
        f"{column('i', Industry, 'industry_code')}, {column('r', UserCompanyRole, 'code')} "
        + membership_from(
            f"JOIN {table(Country)} co ON {column('co', Country, 'pk')} = {column('c', Company, 'country')} "
            f"LEFT JOIN {table(Industry)} i ON {column('i', Industry, 'pk')} = {column('c', Company, 'industry')} "
        )
    )


MEMBER_FIELDS = ("pk", "user", "joined_date", "is_primary", "removed_date", "removal_reason")


@cache
def members_sql() -> str:
    """companies.selectors.members_page: the first page (one row more than the default limit, which
    tells whether a next page follows) of the memberships not deleted, in joining order."""
    return (
        f"SELECT {columns('m', UserCompany, *MEMBER_FIELDS)}, "
        f"{columns('u', User, 'email', 'first_name', 'last_name')}, {column('r', UserCompanyRole, 'code')}, "
        f"{column('s', UserCompanyStatus, 'code')}, {column('j', JoinedVia, 'code')} "
        f"FROM {table(UserCompany)} m "
        f"JOIN {table(User)} u ON {column('u', User, 'pk')} = {column('m', UserCompany, 'user')} "
        f"JOIN {table(UserCompanyRole)} r ON {column('r', UserCompanyRole, 'pk')} = {column('m', UserCompany, 'role')} "
        f"JOIN {table(UserCompanyStatus)} s "
        f"ON {column('s', UserCompanyStatus, 'pk')} = {column('m', UserCompany, 'status')} "
        f"JOIN {table(JoinedVia)} j ON {column('j', JoinedVia, 'pk')} = {column('m', UserCompany, 'joined_via')} "
        f"WHERE {column('m', UserCompany, 'company')} = %s AND {column('m', UserCompany, 'is_deleted')} = %s "
        f"ORDER BY {column('m', UserCompany, 'joined_date')}, {column('m', UserCompany, 'pk')} "
        f"{connection.ops.limit_offset_sql(None, DEFAULT_LIMIT + 1)}"
    )


INVITATION_FIELDS = (
    "pk",
    "invited_email",
    "invited_first_name",
    "invited_last_name",
    "invited_at",
    "expires_at",
    "accepted_at",
    "declined_at",
    "decline_reason",
    "cancelled_at",
    "cancellation_reason",
    "resend_count",
    "last_resent_at",
)


@cache
def invitations_sql(by_status: bool) -> str:
    """companies.selectors.invitations_page: the first page (one row more than the default limit),
    newest first, optionally of one stored status."""
    status_filter = f"AND {column('s', UserInvitationStatus, 'code')} = %s " if by_status else ""
    return (
        f"SELECT {columns('v', UserInvitation, *INVITATION_FIELDS)}, {column('r', UserCompanyRole, 'code')}, "
        f"{column('s', UserInvitationStatus, 'code')}, {column('u', User, 'email')} "
        f"FROM {table(UserInvitation)} v "
        f"JOIN {table(UserCompanyRole)} r "
        f"ON {column('r', UserCompanyRole, 'pk')} = {column('v', UserInvitation, 'role')} "
        f"JOIN {table(UserInvitationStatus)} s "
        f"ON {column('s', UserInvitationStatus, 'pk')} = {column('v', UserInvitation, 'status')} "
        f"JOIN {table(User)} u ON {column('u', User, 'pk')} = {column('v', UserInvitation, 'invited_by')} "
        f"WHERE {column('v', UserInvitation, 'company')} = %s AND {column('v', UserInvitation, 'is_deleted')} = %s "
        f"{status_filter}"
        f"ORDER BY {column('v', UserInvitation, 'invited_at')} DESC, {column('v', UserInvitation, 'pk')} DESC "
        f"{connection.ops.limit_offset_sql(None, DEFAULT_LIMIT + 1)}"
    )


COUNTRY_FIELDS = (
    "code",
    "display_name",
    "description",
    "sort_order",
    "country_code",
    "country_code3",
    "country_name",
    "phone_prefix",
    "currency_code",
    "currency_symbol",
    "currency_name",
    "tax_rate",
    "tax_name",
    "tax_inclusive",
    "tax_number_label",
    "company_validation_provider",
    "address_validation_provider",
    "integration_config",
)


@cache
def countries_sql() -> str:
    """The active countries in the reference lists' order."""
    return (
        f"SELECT {columns('co', Country, *COUNTRY_FIELDS)} FROM {table(Country)} co "
        f"WHERE {column('co', Country, 'is_active')} = %s "
        f"ORDER BY {column('co', Country, 'sort_order')}, {column('co', Country, 'display_name')}"
    )


# Authentication -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedInUser:
    """What the request log reads of ``request.user``: the same row as the endpoint's, without a model."""

    pk: int
    is_authenticated: bool = True


def access_claims(request) -> dict:
    """The Bearer token's claims, checked as simplejwt checks an access token; else 401."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if not parts or parts[0] != "Bearer":
        raise NotAuthenticated()
    if len(parts) != 2:
        raise AuthenticationFailed(MESSAGE_BAD_HEADER, code="bad_authorization_header")
    jwt_settings = settings.SIMPLE_JWT
    try:
        claims = jwt.decode(
            parts[1],
            jwt_settings["SIGNING_KEY"],
            algorithms=[jwt_settings["ALGORITHM"]],
            leeway=jwt_settings.get("LEEWAY", 0),
            options={"require": ["exp", "jti", "token_type"]},
        )
    except jwt.InvalidTokenError as error:
        raise InvalidToken(MESSAGE_TOKEN_INVALID) from error
    if claims["token_type"] != "access":  # noqa: S105 - simplejwt's name for the kind of token
        raise InvalidToken(MESSAGE_TOKEN_INVALID)
    return claims


def signed_in_user(request, *, profile: bool = False) -> tuple:
    """The token's user row (status code first), refused as accounts/authentication.py refuses.

    The token's session (``sid``) must be the user's, not ended and not expired; as
    ``User.is_active``: an active status, not deleted, not locked (or locked until a past time);
    and the token's ``atv`` must be the user's current AccessTokenVersion.
    """
    claims = access_claims(request)
    try:
        user_id = int(claims.get("sub"))
    except (TypeError, ValueError):
        raise InvalidToken(MESSAGE_TOKEN_REVOKED) from None
    session_key = claims.get(SESSION_CLAIM)
    row = fetch_one(user_sql(profile), [session_key, user_id]) if isinstance(session_key, str) else None
    if row is None:
        raise InvalidToken(MESSAGE_TOKEN_REVOKED)
    status, pk, is_deleted, is_locked, locked_until, access_version = row[:6]  # then MfaEnabledAt
    ended_at, expires_at = row[-2:]
    now = timezone.now()
    if ended_at is not None or aware(expires_at) <= now:
        raise InvalidToken(MESSAGE_TOKEN_REVOKED)
    locked = is_locked and (locked_until is None or aware(locked_until) > now)
    if status != UserStatus.ACTIVE or is_deleted or locked or claims.get(ACCESS_VERSION_CLAIM) != access_version:
        raise InvalidToken(MESSAGE_TOKEN_REVOKED)
    request.user = SignedInUser(pk)
    return row[:-2]


def mfa_policy_check(user_row: tuple, require_mfa) -> None:
    """403 mfa_required for a member without MFA of a company that requires it, as companies.access."""
    if require_mfa and user_row[6] is None:
        raise MfaRequired()


def membership_role(user_row: tuple, company_id: int) -> str:
    """The caller's role in a live company they are an active member of; else 404, as membership_get."""
    row = fetch_one(membership_role_sql(), [user_row[1], company_id, False, False, UserCompanyStatus.ACTIVE])
    if row is None:
        raise NotFound()
    mfa_policy_check(user_row, row[1])
    return row[0]


# Views ----------------------------------------------------------------------------------------


class FloorApi(APIView):
    """No authentication or permission classes: each floor does its own, as cheaply as it can."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # What JWTAuthentication sends: it keeps a refused token a 401 rather than DRF's 403.
        return 'Bearer realm="api"'


class MeFloorApi(FloorApi):
    """GET /api/v1/users/me: the user row, then the memberships."""

    def get(self, request):
        row = signed_in_user(request, profile=True)
        user_id, mfa_enabled_at = row[1], row[6]
        email, first, last, phone, role_title, zone, picture, verified_at, last_login = row[7:]
        memberships = fetch_all(memberships_sql(), [user_id, False, UserCompanyStatus.ACTIVE, False])
        return Response(
            {
                "user_id": user_id,
                "email": email,
                "first_name": first,
                "last_name": last,
                "phone": phone,
                "role_title": role_title,
                "timezone_identifier": zone,
                "profile_picture_url": picture,
                "email_verified_at": iso_datetime(verified_at),
                "status": row[0],
                "last_login": iso_datetime(last_login),
                "mfa_enabled": mfa_enabled_at is not None,
                "companies": [
                    {
                        "company_id": company_id,
                        "name": display_name(name, legal, json_value(business), custom, source),
                        "role": role,
                        "require_mfa": bool(require_mfa),
                    }
                    for company_id, name, legal, business, custom, source, role, require_mfa in memberships
                ],
            }
        )


class CompanyFloorApi(FloorApi):
    """GET /api/v1/companies/{id}: the user row, then the membership and company in one query."""

    def get(self, request, company_id):
        user_row = signed_in_user(request)
        row = fetch_one(company_sql(), [user_row[1], company_id, False, False, UserCompanyStatus.ACTIVE])
        if row is None:
            raise NotFound()
        mfa_policy_check(user_row, row[COMPANY_FIELDS.index("require_mfa")])
        return Response(company_body(row))


def company_body(row: tuple) -> dict:
    """CompanyOutput: the company's columns in the order of COMPANY_FIELDS, then country, industry, role."""
    company = dict(zip((*COMPANY_FIELDS, "country_code", "industry_code", "role"), row, strict=True))
    business_names = json_value(company["business_names"])
    return {
        "company_id": company["pk"],
        "company_name": company["company_name"],
        "display_name": display_name(
            company["company_name"],
            company["legal_entity_name"],
            business_names,
            company["custom_display_name"],
            company["display_name_source"],
        ),
        "legal_entity_name": company["legal_entity_name"],
        "business_names": business_names,
        "custom_display_name": company["custom_display_name"],
        "display_name_source": company["display_name_source"],
        "abn": company["abn"],
        "acn": company["acn"],
        "abn_status": company["abn_status"],
        "abn_status_effective_from": iso_date(company["abn_status_effective_from"]),
        "entity_type": company["entity_type"],
        "gst_registered": bool(company["gst_registered"]),
        "gst_registered_from": iso_date(company["gst_registered_from"]),
        "abr_last_verified_at": iso_datetime(company["abr_last_verified_at"]),
        "country_code": company["country_code"],
        "industry_code": company["industry_code"],
        **{field: company[field] for field in COMPANY_CONTACT_FIELDS},
        "parent_company": company["parent_company"],
        "require_mfa": bool(company["require_mfa"]),
        "created_date": iso_datetime(company["created_date"]),
        "role": company["role"],
    }


def first_page(rows: list[tuple], body, order: KeyOrder, time_at: int) -> dict:
    """The list's first page: ``DEFAULT_LIMIT`` rows, and the cursor at the last one when one more
    was read (its time, at ``time_at`` in the row, and its id, first), as the endpoint signs it."""
    following = None
    if len(rows) > DEFAULT_LIMIT:
        last = rows[DEFAULT_LIMIT - 1]
        following = cursor_encode((aware(last[time_at]).isoformat(), last[0]), list_name=order.list_name)
    return {"results": [body(row) for row in rows[:DEFAULT_LIMIT]], "next": following}


class MemberListFloorApi(FloorApi):
    """GET /api/v1/companies/{id}/members: the user row, the membership, the first page of members.

    The bench asks for the first page at the default limit; ``?cursor=`` and ``?limit=`` are not read.
    """

    def get(self, request, company_id):
        membership_role(signed_in_user(request), company_id)
        rows = fetch_all(members_sql(), [company_id, False])
        return Response(first_page(rows, member_body, MEMBER_ORDER, MEMBER_FIELDS.index("joined_date")))


def member_body(row: tuple) -> dict:
    pk, user_id, joined, is_primary, removed, reason, email, first, last, role, status, joined_via = row
    return {
        "user_company_id": pk,
        "user_id": user_id,
        "email": email,
        "first_name": first,
        "last_name": last,
        "role": role,
        "status": status,
        "joined_via": joined_via,
        "joined_date": iso_datetime(joined),
        "is_primary": bool(is_primary),
        "removed_date": iso_datetime(removed),
        "removal_reason": reason,
    }


class InvitationListFloorApi(FloorApi):
    """GET /api/v1/companies/{id}/invitations (admins only): the user row, the membership, the first
    page of invitations (``?status=`` checked as the endpoint checks it; ``?cursor=`` and ``?limit=``
    are not read)."""

    def get(self, request, company_id):
        if membership_role(signed_in_user(request), company_id) != UserCompanyRole.COMPANY_ADMIN:
            raise PermissionDeniedError(MESSAGE_ADMINS_ONLY)
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in INVITATION_STATUSES:
            raise ValidationFailed(fields={"status": [MESSAGE_INVITATION_STATUS]})
        params = [company_id, False, wanted] if wanted else [company_id, False]
        now = timezone.now()
        rows = fetch_all(invitations_sql(bool(wanted)), params)
        body = partial(invitation_body, now=now)
        return Response(first_page(rows, body, INVITATION_ORDER, INVITATION_FIELDS.index("invited_at")))


def invitation_body(row: tuple, now: datetime) -> dict:
    (
        pk,
        email,
        first,
        last,
        invited_at,
        expires_at,
        accepted_at,
        declined_at,
        decline_reason,
        cancelled_at,
        cancellation_reason,
        resend_count,
        last_resent_at,
        role,
        status,
        invited_by,
    ) = row
    # companies.invitations.effective_status: a pending invitation past its expiry shows as expired.
    if status == UserInvitationStatus.PENDING and aware(expires_at) <= now:
        status = UserInvitationStatus.EXPIRED
    return {
        "invitation_id": pk,
        "invited_email": email,
        "invited_first_name": first,
        "invited_last_name": last,
        "role": role,
        "status": status,
        "invited_by": invited_by,
        "invited_at": iso_datetime(invited_at),
        "expires_at": iso_datetime(expires_at),
        "accepted_at": iso_datetime(accepted_at),
        "declined_at": iso_datetime(declined_at),
        "decline_reason": decline_reason,
        "cancelled_at": iso_datetime(cancelled_at),
        "cancellation_reason": cancellation_reason,
        "resend_count": resend_count,
        "last_resent_at": iso_datetime(last_resent_at),
    }


class CountryListFloorApi(FloorApi):
    """GET /api/v1/reference/countries: public, like the endpoint; one query."""

    def get(self, request):
        places = Country._meta.get_field("tax_rate").decimal_places
        body = []
        for values in fetch_all(countries_sql(), [True]):
            row = dict(zip(COUNTRY_FIELDS, values, strict=True))
            row["tax_rate"] = decimal_text(row["tax_rate"], places)
            row["tax_inclusive"] = bool(row["tax_inclusive"])
            row["integration_config"] = json_value(row["integration_config"])
            body.append(row)
        response = Response(body)
        patch_cache_control(response, public=True, max_age=REFERENCE_MAX_AGE)
        return response
