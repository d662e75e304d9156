"""Migration operations that need the engine-specific glue."""

from typing import Any, cast

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState

from .naming import SCHEMAS
from .schema import NamedConstraintsMixin


class CreateSchemas(Operation):
    """Create the design document's schemas (``dbo`` exists already on SQL Server).

    A real operation rather than RunPython, so ``sqlmigrate`` and the offline SQL Server
    script include the statements.
    """

    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        for schema in SCHEMAS:
            if schema == "dbo" and schema_editor.connection.vendor == "microsoft":
                continue
            # Every backend of the project mixes NamedConstraintsMixin into its schema editor.
            cast(NamedConstraintsMixin, schema_editor).create_schema(schema)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        pass  # Schemas are left in place: dropping one would drop other tenants' objects.

    def describe(self) -> str:
        return "Create the schemas " + ", ".join(SCHEMAS)


class MakeAppendOnly(Operation):
    """Create the triggers that refuse UPDATE and DELETE on a table (``append_only``)."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str) -> None:
        self.model_name = model_name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return self.__class__.__name__, [], {"model_name": self.model_name}

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def _run(self, builder: str, app_label: str, schema_editor: BaseDatabaseSchemaEditor, state: ProjectState) -> None:
        from . import append_only

        model = state.apps.get_model(app_label, self.model_name)
        connection = schema_editor.connection
        for statement in getattr(append_only, builder)(
            connection.vendor, model._meta.db_table, connection.ops.quote_name
        ):
            schema_editor.execute(statement, params=None)

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._run("create_statements", app_label, schema_editor, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        self._run("drop_statements", app_label, schema_editor, from_state)

    def describe(self) -> str:
        return f"Make {self.model_name} append-only (refuse UPDATE and DELETE)"
