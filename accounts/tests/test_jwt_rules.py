"""Which signed tokens the API accepts: subject, token versions, type, signature, expiry.

Tokens here are signed with the real key, as only the server can: they stand for a bug or a
stale token of ours, not for a forgery, and must still answer 401, never 500.
"""

import time

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.jwt import VersionedAccessToken, VersionedRefreshToken, issue_token_pair, refresh_token_record
from accounts.models import User, UserSession
from accounts.sessions import session_open
from reference.models import UserStatus

from .http_support import API, access_refused, access_unreadable, client, error

pytestmark = pytest.mark.django_db

NOT_NUMBERS = ["abc", "", "1.5", "1e3", "0x1", "1\x00"]
MESSAGE_REFRESH_INVALID = "This refresh token is not valid."


def session_key(user) -> str:
    """The key of a session of ``user`` (their newest, else a new one): what a token's ``sid`` names."""
    session = UserSession.objects.filter(user=user, ended_at__isnull=True).first() or session_open(user=user)
    return session.session_key


def access_token(user, **claims) -> str:
    token = VersionedAccessToken.for_user(user)
    token["atv"], token["sid"] = user.access_token_version, session_key(user)
    for claim, value in claims.items():
        token[claim] = value
    return refresh_token_record(token, user)


def refresh_token(user, **claims) -> str:
    token = VersionedRefreshToken.for_user(user)
    token["atv"], token["rtv"] = user.access_token_version, user.refresh_token_version
    token["sid"] = session_key(user)
    for claim, value in claims.items():
        token[claim] = value
    return refresh_token_record(token, user)


def me(access):
    return client(access).get(f"{API}users/me")


def refresh(raw, access=None, path="auth/token/refresh"):
    return client(access).post(f"{API}{path}", {"refresh": raw}, format="json")


def refresh_refused(response) -> dict:
    return error(response, "token_invalid", MESSAGE_REFRESH_INVALID)


# Access tokens --------------------------------------------------------------------------------


def test_a_token_made_like_the_servers_is_accepted(user):
    response = me(access_token(user))

    assert response.status_code == 200
    assert response.json()["userId"] == user.pk


@pytest.mark.parametrize("sub", NOT_NUMBERS)
def test_an_access_token_whose_subject_is_not_a_number_is_a_401(user, sub):
    response = me(access_token(user, sub=sub))

    assert (response.status_code, response.json()) == (401, access_refused(response))


def test_an_access_token_for_a_user_that_does_not_exist_is_a_401(user):
    response = me(access_token(user, sub=str(user.pk + 1000)))

    assert (response.status_code, response.json()) == (401, access_refused(response))


@pytest.mark.parametrize("offset", [1, -1])
def test_an_access_token_whose_version_is_not_the_users_is_a_401(user, offset):
    User.objects.filter(pk=user.pk).update(access_token_version=5)
    user.refresh_from_db()

    response = me(access_token(user, atv=user.access_token_version + offset))

    assert (response.status_code, response.json()) == (401, access_refused(response))


def test_an_access_token_without_a_version_is_a_401(user):
    token = VersionedAccessToken.for_user(user)

    response = me(str(token))

    assert (response.status_code, response.json()) == (401, access_refused(response))


@pytest.mark.parametrize("status", [UserStatus.PENDING, UserStatus.SUSPENDED])
def test_an_access_token_of_a_user_who_may_not_sign_in_is_a_401(user, status):
    access = access_token(user)
    User.objects.filter(pk=user.pk).update(status=UserStatus.objects.get(code=status))

    response = me(access)

    assert (response.status_code, response.json()) == (401, access_refused(response))


def test_an_access_token_of_a_deleted_user_is_a_401(user):
    access = access_token(user)
    User.objects.filter(pk=user.pk).update(is_deleted=True, deleted_date=timezone.now())

    response = me(access)

    assert (response.status_code, response.json()) == (401, access_refused(response))


@pytest.mark.parametrize("case", ["garbage", "refresh_as_access", "expired", "other_key", "unsigned"])
def test_an_unreadable_access_token_is_a_401(user, case):
    if case == "garbage":
        raw = "not.a.jwt"
    elif case == "refresh_as_access":
        raw = refresh_token(user)
    elif case == "expired":
        raw = access_token(user, exp=int(time.time()) - 1)
    else:
        claims = jwt.decode(access_token(user), options={"verify_signature": False})
        raw = jwt.encode(claims, "some-other-key-that-is-long-enough-for-hs256", algorithm="HS256")
        if case == "unsigned":
            raw = jwt.encode(claims, None, algorithm="none")
    assert case == "garbage" or jwt.decode(raw, options={"verify_signature": False})["sub"] == str(user.pk)

    response = me(raw)

    assert (response.status_code, response.json()) == (401, access_unreadable(response))


# Refresh tokens -------------------------------------------------------------------------------


@pytest.mark.parametrize("sub", NOT_NUMBERS)
def test_a_refresh_token_whose_subject_is_not_a_number_is_a_401(user, sub):
    response = refresh(refresh_token(user, sub=sub))

    assert (response.status_code, response.json()) == (401, refresh_refused(response))


@pytest.mark.parametrize("sub", NOT_NUMBERS[:2])
def test_logging_out_with_a_refresh_token_whose_subject_is_not_a_number_is_a_401(user, sub):
    response = refresh(refresh_token(user, sub=sub), access=access_token(user), path="auth/logout")

    assert (response.status_code, response.json()) == (401, refresh_refused(response))


@pytest.mark.parametrize("claim", ["atv", "rtv"])
@pytest.mark.parametrize("offset", [1, -1])
def test_a_refresh_token_whose_versions_are_not_the_users_is_a_401(user, claim, offset):
    User.objects.filter(pk=user.pk).update(access_token_version=5, refresh_token_version=5)
    user.refresh_from_db()

    response = refresh(refresh_token(user, **{claim: 5 + offset}))

    assert (response.status_code, response.json()) == (401, refresh_refused(response))


def test_a_refresh_token_for_a_user_that_does_not_exist_is_a_401(user):
    response = refresh(refresh_token(user, sub=str(user.pk + 1000)))

    assert (response.status_code, response.json()) == (401, refresh_refused(response))


def test_a_refresh_token_of_a_locked_user_is_a_401(user):
    raw = refresh_token(user)
    User.objects.filter(pk=user.pk).update(is_locked=True, locked_until=None)

    response = refresh(raw)

    assert (response.status_code, response.json()) == (401, refresh_refused(response))


def test_a_refresh_token_the_server_never_recorded_is_a_401(user):
    raw = refresh_token(user)
    OutstandingToken.objects.all().delete()

    response = refresh(raw)

    assert (response.status_code, response.json()) == (401, refresh_refused(response))


def test_a_well_formed_refresh_token_rotates(user):
    response = refresh(refresh_token(user))

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert me(response.json()["access"]).status_code == 200


def test_logout_with_another_users_refresh_token_is_a_401_and_leaves_that_session(user, make_user):
    other = make_user(email="other@example.com")
    others_refresh = refresh_token(other)

    response = refresh(others_refresh, access=access_token(user), path="auth/logout")

    assert (response.status_code, response.json()) == (401, refresh_refused(response))
    assert refresh(others_refresh).status_code == 200


# Versions and the session token ---------------------------------------------------------------


def claims(raw):
    return jwt.decode(raw, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])


def test_logout_all_raises_each_version_by_one_and_clears_the_session_token(user, login):
    tokens = login()
    user.refresh_from_db()
    session = user.session_token
    assert session and claims(tokens["refresh"])["sid"] == session
    assert (claims(tokens["access"])["atv"], claims(tokens["refresh"])["rtv"]) == (1, 1)

    response = client(tokens["access"]).post(f"{API}auth/logout-all")

    assert response.status_code == 204
    user.refresh_from_db()
    assert (user.access_token_version, user.refresh_token_version, user.session_token) == (2, 2, "")
    fresh = login()
    user.refresh_from_db()
    assert user.session_token not in ("", session)
    assert (claims(fresh["access"])["atv"], claims(fresh["refresh"])["rtv"]) == (2, 2)
    assert claims(fresh["refresh"])["sid"] == user.session_token


def test_logout_ends_one_session_without_raising_versions(user, login):
    tokens, other_device = login(), login()

    response = client(tokens["access"]).post(f"{API}auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 204
    user.refresh_from_db()
    assert (user.access_token_version, user.refresh_token_version) == (1, 1)
    assert (me(tokens["access"]).status_code, refresh(tokens["refresh"]).status_code) == (401, 401)
    assert me(other_device["access"]).status_code == 200
    assert refresh(other_device["refresh"]).status_code == 200


def test_a_token_without_a_session_or_of_another_users_session_is_a_401(user, make_user):
    other = make_user(email="other@example.com")

    for token in (access_token(user, sid=None), access_token(user, sid=session_key(other))):
        response = me(token)
        assert (response.status_code, response.json()) == (401, access_refused(response))
    for token in (refresh_token(user, sid=None), refresh_token(user, sid=session_key(other))):
        response = refresh(token)
        assert (response.status_code, response.json()) == (401, refresh_refused(response))


def test_a_token_of_an_expired_session_is_a_401(user):
    access, raw_refresh = access_token(user), refresh_token(user)
    UserSession.objects.filter(user=user).update(expires_at=timezone.now())

    assert (me(access).status_code, refresh(raw_refresh).status_code) == (401, 401)


def test_an_issued_refresh_token_is_recorded_once_by_its_hash_not_in_clear(user):
    from accounts.tokens import hash_token

    issued = issue_token_pair(user)["refresh"]

    (row,) = OutstandingToken.objects.filter(user=user)
    assert row.jti == claims(issued)["jti"]
    assert row.token == hash_token(issued) and issued not in row.token
    assert row.expires_at.timestamp() == claims(issued)["exp"]
    assert int(row.created_at.timestamp()) == claims(issued)["iat"]


def test_the_migration_hashes_refresh_tokens_stored_in_clear_and_leaves_hashes_alone(user):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from accounts.tokens import hash_token

    issued = issue_token_pair(user)["refresh"]
    older = VersionedRefreshToken.for_user(user)
    OutstandingToken.objects.create(  # as simplejwt's blacklist app stored it
        user=user, jti=older["jti"], token=str(older), created_at=older.current_time, expires_at=timezone.now()
    )

    migration = importlib.import_module("accounts.migrations.0003_outstanding_token_hashes")
    migration.forwards(apps, SimpleNamespace(connection=connection))

    assert dict(OutstandingToken.objects.values_list("jti", "token")) == {
        claims(issued)["jti"]: hash_token(issued),
        older["jti"]: hash_token(str(older)),
    }
    assert refresh(issued).status_code == 200


@pytest.mark.parametrize(
    ("subject", "queries"),
    [("0", 0), ("-5", 0), (str(2**31), 0), ("abc", 0), (None, 0), (str(2**31 - 1), 1), ("7", 1)],
)
def test_a_subject_outside_the_id_range_is_refused_without_a_query(subject, queries, db, django_assert_num_queries):
    from accounts.selectors import session_for_token

    with django_assert_num_queries(queries):
        assert session_for_token("a-session-key", subject) is None


@pytest.mark.parametrize("session_key", [None, 7, ["a-session-key"]])
def test_a_session_claim_that_is_not_a_string_is_refused_without_a_query(user, session_key, django_assert_num_queries):
    from accounts.selectors import session_for_token

    with django_assert_num_queries(0):
        assert session_for_token(session_key, str(user.pk)) is None
