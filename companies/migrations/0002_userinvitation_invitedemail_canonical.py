"""Rewrite every invitation's address into its canonical form (``accounts.addresses``).

As ``accounts`` 0002 does for users. An open invitation is unique per company and address
(UQ_UserInvitation_CompanyID_InvitedEmail_Open), so two open invitations of one company that
would share one form both stay as they are, and a warning names them; closed invitations are
rewritten freely.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.addresses import canonical_rewrites

    UserInvitation = apps.get_model("companies", "UserInvitation")
    rows = UserInvitation._base_manager.using(schema_editor.connection.alias)
    columns = ("pk", "company_id", "invited_email", "accepted_at", "declined_at", "cancelled_at", "expired_at")
    stored = (
        # The constraint's condition: open means none of the four closing dates is set.
        (pk, company_id if not any(closed) else ("closed", pk), email)
        for pk, company_id, email, *closed in rows.values_list(*columns).iterator()
    )
    for pk, email in canonical_rewrites(stored, table="dbo.UserInvitation").items():
        rows.filter(pk=pk).update(invited_email=email)


class Migration(migrations.Migration):
    dependencies = [
        ("companies", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
