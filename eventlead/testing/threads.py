"""Run the same work in many threads released at one instant, to provoke races."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connection

Argument = TypeVar("Argument")
Result = TypeVar("Result")


def run_together(
    work: Callable[[Argument], Result], arguments: Sequence[Argument], *, timeout: float = 60
) -> list[Result]:
    """Call ``work(argument)`` in one thread per argument, all starting together; return the results in order.

    Each thread uses its own database connection (Django's connections are per thread) and
    closes it at the end, so no connection outlives the test. An exception in any thread
    is raised here, after every thread has finished.
    """
    barrier = threading.Barrier(len(arguments))
    results: list = [None] * len(arguments)
    errors: list[BaseException] = []

    def worker(index: int, argument: Argument) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = work(argument)
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n, argument)) for n, argument in enumerate(arguments)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"some of the {len(threads)} threads were still running after {timeout} s")
    if errors:
        raise errors[0]
    return results


def outcome(call: Callable[[], object]) -> str:
    """``"ok"``, or the code of the domain error ``call`` raised: what one racer got."""
    from eventlead.core.exceptions import DomainError

    try:
        call()
        return "ok"
    except DomainError as error:
        return error.code
