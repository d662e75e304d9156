"""Migration operations that need the engine-specific glue."""

from django.db.migrations.operations.base import Operation

from .naming import SCHEMAS


class CreateSchemas(Operation):
    """Create the design document's schemas (``dbo`` exists already on SQL Server).

    A real operation rather than RunPython, so ``sqlmigrate`` and the offline SQL Server
    script include the statements.
    """

    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for schema in SCHEMAS:
            if schema == "dbo" and schema_editor.connection.vendor == "microsoft":
                continue
            schema_editor.create_schema(schema)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass  # Schemas are left in place: dropping one would drop other tenants' objects.

    def describe(self):
        return "Create the schemas " + ", ".join(SCHEMAS)
