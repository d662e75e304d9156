"""Developer tools that a production install lacks: they come with requirements-dev.txt.

The service never needs them. The few commands for developers that do (rendering the SQL Server
script, regenerating the seed fixtures) import them when they run and, on a production install,
say what to install instead of failing with a traceback.
"""

from __future__ import annotations

from django.core.management.base import CommandError

INSTALL_HINT = "pip install -r requirements-dev.txt"


def missing_dev_tool(command: str, error: ModuleNotFoundError) -> CommandError:
    """The error a developer command gives when ``error.name``, one of the dev tools, is missing."""
    return CommandError(f"{command} needs the development tools ({error.name}): {INSTALL_HINT}")
