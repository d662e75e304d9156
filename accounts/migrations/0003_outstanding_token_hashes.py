"""Replace each refresh token kept in clear in ``token_blacklist_outstandingtoken`` by its SHA-256.

simplejwt's blacklist app stored every refresh token it recorded, readable by anyone with a copy of
the table. Tokens are now recorded by their hash (``accounts.jwt.refresh_token_record``); this
rewrites the rows written before. Nothing reads the column back, so nothing changes for a token
in use. Nothing to undo: a hash cannot be turned back into its token.
"""

import hashlib
import re

from django.db import migrations

HASHED = re.compile(r"[0-9a-f]{64}")


def forwards(apps, schema_editor):
    OutstandingToken = apps.get_model("token_blacklist", "OutstandingToken")
    rows = OutstandingToken.objects.using(schema_editor.connection.alias)
    for pk, token in rows.values_list("pk", "token").iterator():
        if not HASHED.fullmatch(token or ""):
            rows.filter(pk=pk).update(token=hashlib.sha256(token.encode("utf-8")).hexdigest())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_email_canonical"),
        ("token_blacklist", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
