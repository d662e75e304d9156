"""Administrators who enrolled a TOTP device for the back office before MFA came to the API have
MFA on: ``MfaEnabledAt`` is set from the device, so the API, users/me, company policies and the
reset tools see it. They have no recovery codes until they make them (POST /auth/mfa/recovery-codes)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    confirmed = TOTPDevice.objects.filter(user_id=OuterRef("pk"), confirmed=True).order_by("id")
    User.objects.filter(
        mfa_enabled_at__isnull=True, pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")
    ).update(mfa_enabled_at=Subquery(confirmed.values("created_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_mfa_email_change"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
