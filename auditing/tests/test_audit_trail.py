"""Audit rows are written in the same transaction as the change, and never hold secrets."""

import re

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import User
from auditing.models import ActivityLog, AuditCompany, AuditUser
from companies.models import Company
from companies.services import company_create, company_update
from logging_app.models import ApiRequest, ApplicationError, AuthEvent, EmailDelivery
from logging_app.request_log import get_buffer

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_change_rolled_back_before_commit_leaves_no_audit_row(user):
    with pytest.raises(Boom), transaction.atomic():
        company_create(creator=user, company_name="Ghost Co", country_code="AU")
        raise Boom  # fails after the change, before commit

    assert not Company.objects.exists()
    assert not AuditCompany.objects.exists() and not ActivityLog.objects.exists()


def test_a_committed_change_always_has_its_audit_rows(user):
    company = company_create(creator=user, company_name="Real Co", country_code="AU")
    company_update(company=company, actor=user, company_name="Real Company")

    snapshots = list(
        AuditCompany.objects.filter(company_id=company.pk).order_by("pk").values_list("operation", "changed_by_id")
    )
    assert snapshots == [("insert", user.pk), ("update", user.pk)]
    assert list(ActivityLog.objects.filter(company_id=company.pk).order_by("pk").values_list("action", flat=True)) == [
        "company_created",
        "company_updated",
    ]


def test_user_snapshots_follow_the_account_lifecycle(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post(
            "/api/v1/auth/signup",
            {"email": "life@example.com", "password": "Long-enough-pass-1", "firstName": "Li", "lastName": "Fe"},
            format="json",
        )
    token = re.search(r"token=([\w-]+)", mail.outbox[0].body).group(1)
    api_client.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    api_client.post(
        "/api/v1/auth/login", {"email": "life@example.com", "password": "Long-enough-pass-1"}, format="json"
    )

    user = User.objects.get(email="life@example.com")
    rows = list(AuditUser.objects.filter(user_id=user.pk).order_by("pk"))
    assert [r.operation for r in rows] == ["insert", "update", "update"]
    assert "StatusID" in rows[1].changed_fields and "EmailVerifiedAt" in rows[1].changed_fields
    assert "LastLoginAt" in rows[2].changed_fields
    assert list(ActivityLog.objects.filter(user_id=user.pk).order_by("pk").values_list("action", flat=True)) == [
        "user_signed_up",
        "email_verified",
        "user_logged_in",
    ]


def test_no_secret_appears_in_any_log_or_audit_row_after_the_flows(
    api_client, django_capture_on_commit_callbacks, caplog
):
    def post(path, body):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(f"/api/v1/{path}", body, format="json")

    password, new_password = "Long-enough-pass-1", "Brand-new-passphrase-7"
    post("auth/signup", {"email": "s@example.com", "password": password, "firstName": "S", "lastName": "E"})
    verify = re.search(r"token=([\w-]+)", mail.outbox[0].body).group(1)
    post("auth/verify-email", {"token": verify})
    tokens = post("auth/login", {"email": "s@example.com", "password": password}).json()
    post("auth/token/refresh", {"refresh": tokens["refresh"]})
    session_token = User.objects.get(email="s@example.com").session_token
    post("auth/password-reset", {"email": "s@example.com"})
    reset = re.search(r"token=([\w-]+)", mail.outbox[-1].body).group(1)
    post("auth/password-reset/confirm", {"token": reset, "newPassword": new_password})
    api_client.get(f"/api/v1/invitations/{verify}?token={reset}")
    get_buffer().flush()

    user = User.objects.get(email="s@example.com")
    secrets = [password, new_password, verify, reset, tokens["access"], tokens["refresh"], user.password, session_token]
    dumped = (
        " ".join(
            str(list(model.objects.values()))
            for model in (ApiRequest, AuthEvent, ApplicationError, EmailDelivery, ActivityLog, AuditUser, AuditCompany)
        )
        + caplog.text
    )
    assert ApiRequest.objects.count() == 7 and AuditUser.objects.count() >= 3
    for secret in secrets:
        assert secret and secret not in dumped
    assert "eyJ" not in dumped
