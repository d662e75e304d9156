"""``log.ApplicationError``: every unhandled exception, with its request id and no secrets."""

import logging
import sys
import traceback

from django.db import DatabaseError

from eventlead.core import context
from eventlead.core.redaction import redact_text

logger = logging.getLogger(__name__)


def record_unhandled_exception(sender, request=None, **kwargs):
    """``got_request_exception`` receiver: store type, message, trace, request id, user, path."""
    from .models import ApplicationError

    error_type, error, trace = sys.exc_info()
    if error is None:
        return
    user = getattr(request, "user", None) if request is not None else None
    try:
        ApplicationError.objects.create(
            request_id=context.current().request_id,
            severity="error",
            error_type=f"{error_type.__module__}.{error_type.__qualname__}"[:200],
            message=redact_text(str(error))[:4000],
            stack_trace=redact_text("".join(traceback.format_exception(error_type, error, trace)))[:20000],
            method=(request.method if request is not None else "")[:10],
            path=redact_text(request.path if request is not None else "")[:500],
            user_id=user.pk if getattr(user, "is_authenticated", False) else None,
        )
    except DatabaseError:
        logger.exception("Could not record an application error")  # e.g. the database is the problem
