from eventlead.backoffice.testing import admin_client, system_admin  # noqa: F401 (fixtures for this folder's tests)
