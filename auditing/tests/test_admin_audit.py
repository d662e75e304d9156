"""The audit tables in the back office: every admin reads them, nobody alters them."""

import uuid

import pytest

from auditing.models import ActivityLog, AuditCompany, AuditRole, AuditUser
from eventlead.backoffice.testing import admin_client, assert_read_only, system_admin  # noqa: F401 (fixtures)
from reference.models import UserRole
from reference.selectors import reference_id

pytestmark = pytest.mark.django_db

ROWS = {
    ActivityLog: lambda admin: ActivityLog.objects.create(
        action="setting_changed", entity_type="AppSetting", entity_id="1", user=admin
    ),
    AuditUser: lambda admin: AuditUser.objects.create(user=admin, operation="update", changed_fields=["FirstName"]),
    AuditCompany: lambda admin: AuditCompany.objects.create(operation="insert", changed_fields=["CompanyName"]),
    AuditRole: lambda admin: AuditRole.objects.create(
        user=admin, role_scope="system", old_role_id=None, new_role_id=reference_id(UserRole, UserRole.SYSTEM_ADMIN)
    ),
}


@pytest.mark.parametrize("model", list(ROWS), ids=lambda model: model.__name__)
def test_an_audit_table_is_read_only_for_every_admin(admin_client, system_admin, model):  # noqa: F811
    assert_read_only(admin_client, model, ROWS[model](system_admin))


def test_activity_is_found_by_request_id_and_email(admin_client, system_admin, make_user):  # noqa: F811
    request_id = uuid.uuid4()
    mine = ActivityLog.objects.create(
        action="setting_changed", entity_type="AppSetting", user=system_admin, request_id=request_id
    )
    theirs = ActivityLog.objects.create(action="company_created", entity_type="Company", user=make_user())

    def listed(**query):
        return list(admin_client.get("/admin/auditing/activitylog/", query).context["cl"].result_list)

    assert listed(q=str(request_id)) == [mine]
    assert listed(q="member@example.com") == [theirs]
    assert listed(entity_type="Company") == [theirs]


def test_role_changes_show_role_names(admin_client, system_admin):  # noqa: F811
    ROWS[AuditRole](system_admin)

    body = admin_client.get("/admin/auditing/auditrole/").content.decode()

    assert '<td class="field-new_role">System administrator</td>' in body
