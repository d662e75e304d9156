"""Rewrite every stored sign-in address into its canonical form (``accounts.addresses``).

Addresses were stored NFKC-normalized and case-folded; the canonical form also keeps the
domain as its IDNA2008 A-label, so ``ada@exämple.com`` becomes ``ada@xn--exmple-cua.com``, and
a row written before addresses were normalised (``Ada@Example.com``) becomes lower-case.
Addresses with no canonical form (``admin@localhost``) stay as they are; ``normalize_email``
still finds them. Two rows that would share one form both stay as they are, and a warning
names them (UQ_User_Email covers soft-deleted rows too, so they count). Nothing to undo: the
canonical form is what every look-up computes.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.addresses import canonical_rewrites

    User = apps.get_model("accounts", "User")
    rows = User._base_manager.using(schema_editor.connection.alias)
    stored = ((pk, None, email) for pk, email in rows.values_list("pk", "email").iterator())
    for pk, email in canonical_rewrites(stored, table="dbo.User").items():
        rows.filter(pk=pk).update(email=email)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
