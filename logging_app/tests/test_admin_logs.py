"""The log tables in the back office: read-only for everyone, searchable, filtered, dated."""

import uuid

import pytest

from eventlead.backoffice.testing import admin_client, assert_read_only, system_admin  # noqa: F401 (fixtures)
from logging_app.models import ApiRequest, ApplicationError, AuthEvent, EmailDelivery

pytestmark = pytest.mark.django_db


def api_request(path="/api/v1/companies", status_code=200, user=None):
    return ApiRequest.objects.create(
        request_id=uuid.uuid4(), method="GET", path=path, status_code=status_code, duration_ms=4, user=user
    )


ROWS = {
    ApiRequest: lambda: api_request(),
    AuthEvent: lambda: AuthEvent.objects.create(event_type="login_failed", email="mia@example.com"),
    ApplicationError: lambda: ApplicationError.objects.create(error_type="ValueError", message="boom"),
    EmailDelivery: lambda: EmailDelivery.objects.create(
        recipient_email="mia@example.com", email_type="invitation", subject="Join us"
    ),
}


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_a_log_table_is_read_only_for_every_admin(admin_client, model):  # noqa: F811
    assert_read_only(admin_client, model, ROWS[model]())


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_a_log_list_has_a_date_hierarchy_and_no_full_count(admin_client, model):  # noqa: F811
    ROWS[model]()

    changelist = admin_client.get(f"/admin/logging_app/{model._meta.model_name}/").context["cl"]

    assert changelist.date_hierarchy == "created_date"
    assert changelist.full_result_count is None


def listed(client, model, **query):
    return list(client.get(f"/admin/logging_app/{model._meta.model_name}/", query).context["cl"].result_list)


def test_requests_are_found_by_request_id_email_or_path(admin_client, system_admin):  # noqa: F811
    mine = api_request(path="/api/v1/companies/7", user=system_admin)
    other = api_request(path="/api/v1/auth/login")

    assert listed(admin_client, ApiRequest, q=str(other.request_id)) == [other]
    assert listed(admin_client, ApiRequest, q="ADMIN@example.com") == [mine]
    assert listed(admin_client, ApiRequest, q="companies/7") == [mine]


def test_requests_are_filtered_by_status_class(admin_client):  # noqa: F811
    api_request(status_code=200)
    failed = api_request(status_code=503)

    assert listed(admin_client, ApiRequest, status_class="5") == [failed]


def test_auth_events_are_found_by_email_and_filtered_by_type(admin_client):  # noqa: F811
    failed = AuthEvent.objects.create(event_type="login_failed", email="mia@example.com")
    AuthEvent.objects.create(event_type="login_success", email="sam@example.com")

    assert listed(admin_client, AuthEvent, q="Mia@Example.com") == [failed]
    assert listed(admin_client, AuthEvent, event_type__exact="login_failed") == [failed]
