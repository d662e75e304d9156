"""Gunicorn's access log with secrets redacted, as every log of the service is.

The access log (``GUNICORN_ACCESS_LOG``) bypasses Django's logging, so the redacting filter on
Django's handlers never sees it. Its request line, path, query string, referer and headers go
through the same rules here (``eventlead.core.redaction``): a token in a query string or an
invitation link never reaches the file.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from eventlead.core.redaction import redact_query, redact_text

# Atoms that hold text from the client (see gunicorn's access_log_format): the request line,
# the path, the query string, the referer and the user agent; "{name}i" atoms are headers.
TEXT_ATOMS = ("r", "U", "f", "a")


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in TEXT_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact_text(atoms[name])
        if isinstance(atoms.get("q"), str):
            atoms["q"] = redact_query(atoms["q"])
        for name, value in atoms.items():
            if name.startswith("{") and name.endswith("}i") and isinstance(value, str):
                atoms[name] = redact_text(value)
        return atoms
