from django.db import migrations

from eventlead.db.operations import MakeAppendOnly


class Migration(migrations.Migration):
    """Refuse UPDATE and DELETE on every audit table, in the database itself."""

    dependencies = [("auditing", "0001_initial")]
    operations = [MakeAppendOnly(name) for name in ("ActivityLog", "AuditUser", "AuditCompany", "AuditRole")]
