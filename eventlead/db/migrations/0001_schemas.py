from django.db import migrations

from eventlead.db.operations import CreateSchemas


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [CreateSchemas()]
