"""Exports of the log and audit changelists, and ``manage.py export_audit``."""

import csv
import datetime
import io
import re
import uuid

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from auditing.models import ActivityLog, AuditUser, Operation
from eventlead.backoffice import exports
from eventlead.backoffice.options import MESSAGE_EXPORT_FILTERS, MESSAGE_EXPORT_FORMAT
from logging_app.models import ApiRequest

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("admin:logging_app_apirequest_export")
CHANGELIST_URL = reverse("admin:logging_app_apirequest_changelist")
API_REQUEST_COLUMNS = [
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
]
AT = datetime.datetime(2026, 11, 30, 9, 15, 0, tzinfo=datetime.UTC)


def api_request(path="/api/v1/auth/login", status=200, **fields):
    values = {
        "request_id": uuid.uuid4(),
        "method": "POST",
        "path": path,
        "status_code": status,
        "duration_ms": 12,
        "ip_address": "203.0.113.9",
        "created_date": AT,
        **fields,
    }
    return ApiRequest.objects.create(**values)


def body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode())))


def exports_recorded():
    return list(ActivityLog.objects.filter(action="export").order_by("id"))


def test_a_csv_export_holds_the_rows_the_filtered_changelist_lists(admin_client, system_admin):
    failed = api_request(status=503, user_agent="curl/8")
    api_request(status=200)
    api_request(path="/api/v1/companies", status=500)

    response = admin_client.get(EXPORT_URL, {"status_class": "5", "q": "login", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = csv_rows(response)
    assert header == API_REQUEST_COLUMNS
    assert rows == [
        [
            str(failed.id),
            str(failed.request_id),
            "POST",
            "/api/v1/auth/login",
            "",
            "503",
            "12",
            "",
            "",
            "203.0.113.9",
            "curl/8",
            "0",
            "0",
            "2026-11-30T09:15:00+00:00",
        ]
    ]


def test_the_file_name_carries_the_table_the_filters_and_the_time(admin_client):
    response = admin_client.get(EXPORT_URL, {"status_class": "5", "q": "a b/../c", "format": "jsonl"})

    disposition = re.fullmatch(r'attachment; filename="(.+)"', response["Content-Disposition"])
    assert disposition is not None
    assert re.fullmatch(r"log\.ApiRequest_q-a-b-\.\.-c_status_class-5_\d{8}T\d{4}Z\.jsonl", disposition[1])


def test_a_file_name_is_made_of_safe_characters_only():
    now = datetime.datetime(2026, 12, 3, 18, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=11)))
    filters = {"q": '"; rm -rf /', "e": "", "path": "ü" * 300}

    name = exports.export_filename(ApiRequest, filters, exports.FORMATS["csv"], now)

    assert name == "log.ApiRequest_path_q-rm--rf_20261203T0730Z.csv"


def test_every_export_is_recorded_with_who_what_and_which_filters(admin_client, system_admin):
    admin_client.get(EXPORT_URL, {"status_class": "4", "o": "2", "format": "csv"})

    [record] = exports_recorded()
    assert (record.user_id, record.entity_type, record.action) == (system_admin.id, "ApiRequest", "export")
    assert record.new_values == {
        "table": "log.ApiRequest",
        "format": "csv",
        "filters": {"status_class": "4"},
        "via": "back office",
    }
    assert record.description == "Exported log.ApiRequest as csv (back office)"


def test_exports_are_found_in_the_activity_log_by_the_table_they_exported(admin_client):
    admin_client.get(EXPORT_URL, {"format": "csv"})
    activity_list = reverse("admin:auditing_activitylog_changelist")

    choices = [name for name, _ in admin_client.get(activity_list).context["cl"].filter_specs[0].lookup_choices]
    listed = admin_client.get(activity_list, {"entity_type": "ApiRequest"}).context["cl"].result_list

    assert {"ApiRequest", "AuthEvent", "ActivityLog", "AuditUser"} <= set(choices)
    assert [(row.action, row.entity_type) for row in listed] == [("export", "ApiRequest")]


def test_a_jsonl_export_has_one_object_per_row_keyed_by_column(admin_client):
    first = api_request(query_string="page=2")
    second = api_request(status=404)

    response = admin_client.get(EXPORT_URL, {"format": "jsonl"})

    assert response["Content-Type"] == "application/x-ndjson"
    lines = body(response).split(b"\n")
    assert lines[-1] == b""
    objects = [orjson.loads(line) for line in lines[:-1]]
    # Newest first, as the changelist lists them.
    assert [row["ApiRequestID"] for row in objects] == [second.id, first.id]
    assert objects[1] == {
        "ApiRequestID": first.id,
        "RequestID": str(first.request_id),
        "Method": "POST",
        "Path": "/api/v1/auth/login",
        "QueryString": "page=2",
        "StatusCode": 200,
        "DurationMs": 12,
        "UserID": None,
        "CompanyID": None,
        "IPAddress": "203.0.113.9",
        "UserAgent": "",
        "RequestBytes": 0,
        "ResponseBytes": 0,
        "CreatedDate": "2026-11-30T09:15:00+00:00",
    }


def test_the_date_drill_down_chooses_the_rows_too(admin_client):
    api_request()
    december = api_request(created_date=AT + datetime.timedelta(days=2))

    response = admin_client.get(
        EXPORT_URL, {"created_date__month": "12", "created_date__year": "2026", "format": "csv"}
    )

    assert [row[0] for row in csv_rows(response)[1:]] == [str(december.id)]


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(admin_client, cell):
    api_request(user_agent=cell)

    [_, row] = csv_rows(admin_client.get(EXPORT_URL, {"format": "csv"}))

    assert row[API_REQUEST_COLUMNS.index("UserAgent")] == "'" + cell


def test_json_values_of_an_audit_row_are_one_csv_cell(admin_client, system_admin):
    AuditUser.objects.create(
        user=system_admin, operation=Operation.UPDATE, changed_fields=["first_name"], new_values={"first_name": "Ann"}
    )

    response = admin_client.get(reverse("admin:auditing_audituser_export"), {"format": "csv"})

    header, row = csv_rows(response)
    assert header[:3] == ["AuditUserID", "Operation", "ChangedFields"]
    assert row[header.index("ChangedFields")] == '["first_name"]'
    assert row[header.index("NewValues")] == '{"first_name":"Ann"}'
    assert row[header.index("OldValues")] == ""


@pytest.mark.parametrize("fmt", ["", "xlsx", "CSV"])
def test_an_unknown_format_is_refused_and_nothing_is_recorded(admin_client, fmt):
    response = admin_client.get(EXPORT_URL, {"format": fmt})

    assert response.status_code == 400
    assert response.content.decode() == MESSAGE_EXPORT_FORMAT
    assert exports_recorded() == []


def test_a_filter_value_the_column_cannot_hold_is_refused_and_nothing_is_recorded(admin_client):
    response = admin_client.get(EXPORT_URL, {"status_code": "abc", "format": "csv"})

    assert response.status_code == 400
    assert response.content.decode() == MESSAGE_EXPORT_FILTERS
    assert exports_recorded() == []


def test_a_lookup_through_a_relation_the_list_does_not_filter_on_is_refused(admin_client):
    # Django's own guard against reading a related row's columns through the URL.
    response = admin_client.get(EXPORT_URL, {"user__password__startswith": "argon2", "format": "csv"})

    assert response.status_code == 400
    assert exports_recorded() == []


def test_only_the_back_office_may_export(client, make_user):
    make_user(email="member@example.com")
    client.login(email="member@example.com", password="Correct-Horse-7")

    response = client.get(EXPORT_URL, {"format": "csv"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert exports_recorded() == []


def test_an_export_reads_its_rows_in_one_query_whatever_their_number(admin_client, django_assert_num_queries):
    for _ in range(5):
        api_request()
    admin_client.get(CHANGELIST_URL)  # the session and the admin's row are read the same way below

    # The session, the admin, the ActivityLog insert, and the rows.
    with django_assert_num_queries(4):
        response = admin_client.get(EXPORT_URL, {"format": "csv"})
        lines = body(response).splitlines()

    assert len(lines) == 6


def test_the_changelist_offers_both_exports_with_its_filters(admin_client):
    response = admin_client.get(CHANGELIST_URL, {"status_class": "5", "q": "login"})

    links = [url for _, url in response.context["exports"]]
    assert links == [
        f"{EXPORT_URL}?status_class=5&q=login&format=csv",
        f"{EXPORT_URL}?status_class=5&q=login&format=jsonl",
    ]
    content = response.content.decode()
    assert 'class="export-link"' in content
    assert "Export JSON Lines" in content


def test_tables_of_the_products_data_have_no_export(admin_client):
    response = admin_client.get(reverse("admin:accounts_usersession_changelist"))

    assert "exports" not in response.context
    assert not exports.exportable(UserSession)
    assert exports.exportable(ApiRequest)
    assert exports.exportable(ActivityLog)


# manage.py export_audit ---------------------------------------------------------------------


def activity(action, created_date):
    return ActivityLog.objects.create(action=action, entity_type="User", entity_id="1", created_date=created_date)


def test_export_audit_writes_the_range_since_inclusive_until_exclusive(tmp_path):
    activity("before", AT - datetime.timedelta(seconds=1))
    first = activity("first", AT)
    last = activity("last", AT + datetime.timedelta(days=1) - datetime.timedelta(microseconds=1))
    activity("after", AT + datetime.timedelta(days=1))
    output = tmp_path / "audit.csv"
    stderr = io.StringIO()

    call_command(
        "export_audit",
        since=AT.isoformat(),
        until=(AT + datetime.timedelta(days=1)).isoformat(),
        output=str(output),
        stderr=stderr,
    )

    header, *rows = list(csv.reader(output.open(newline="")))
    assert header[:3] == ["ActivityLogID", "UserID", "CompanyID"]
    assert [row[0] for row in rows] == [str(first.id), str(last.id)]
    assert stderr.getvalue().strip() == "audit.ActivityLog: exported 2 rows as csv"


def test_export_audit_writes_json_lines_of_a_snapshot_table_to_standard_output(capsysbinary, system_admin):
    snapshot = AuditUser.objects.create(user=system_admin, operation=Operation.INSERT, changed_date=AT)

    call_command("export_audit", since="2026-11-30", until="2026-12-01", format="jsonl", table="user")

    [line] = capsysbinary.readouterr().out.splitlines()
    row = orjson.loads(line)
    assert (row["AuditUserID"], row["UserID"], row["Operation"]) == (snapshot.id, system_admin.id, "insert")


def test_export_audit_is_recorded_in_the_activity_log(tmp_path):
    call_command("export_audit", since="2026-11-01", until="2026-12-01", table="role", output=str(tmp_path / "f"))

    [record] = exports_recorded()
    assert record.user_id is None
    assert record.new_values["table"] == "audit.Role"
    assert record.new_values["via"] == "manage.py export_audit"
    assert record.new_values["filters"] == {
        "since": timezone.make_aware(datetime.datetime(2026, 11, 1)).isoformat(),
        "until": timezone.make_aware(datetime.datetime(2026, 12, 1)).isoformat(),
    }


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("yesterday", None, "--since must be a date"),
        ("2026-11-31", None, "--since must be a date"),
        ("2026-11-01", "soon", "--until must be a date"),
        ("2026-12-01", "2026-12-01", "--since must be before --until."),
        ("2026-12-02", "2026-12-01", "--since must be before --until."),
    ],
)
def test_export_audit_refuses_a_bad_range_and_records_nothing(tmp_path, since, until, message):
    output = tmp_path / "audit.csv"
    options = {"since": since, "output": str(output)} | ({"until": until} if until else {})

    with pytest.raises(CommandError, match=message):
        call_command("export_audit", **options)

    assert not output.exists()
    assert exports_recorded() == []
