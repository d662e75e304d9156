"""The email queue's task, run by the worker: ``manage.py db_worker`` (the Procfile's ``worker``).

The task carries only the delivery's id; the message is built from the ``log.EmailDelivery``
row when it is sent, so no token or message body is ever stored in the queue.
"""

from django_tasks import task

from . import services


@task()
def email_send(delivery_id: int) -> str:
    """Make one attempt at sending a recorded email (``services.email_attempt``); return the outcome."""
    return services.email_attempt(delivery_id=delivery_id).value
