"""CPU time from Linux /proc: what the bench's processes used, and what everything else did.

Throughput and latency fall when other work shares the cores; CPU time per request hardly
moves, and the CPU the rest of the machine used says how far to trust the other numbers.
Elsewhere than Linux every reading is ``None``.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_seconds(pid: int) -> float:
    """User plus system CPU time of one process."""
    # After the command name (which may hold spaces): state is field 3, utime/stime 14 and 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def reaped_children_seconds(pid: int) -> float:
    """CPU time of the children a process has waited for (cutime and cstime, fields 16 and 17)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def tree_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants, those that have exited included.

    A descendant that exits (a database backend whose connection reached its maximum age, a
    gunicorn worker restarted) leaves the living tree, but its time moves to its parent's
    count of reaped children, so the total never goes backwards.
    """
    own = process_seconds(pid) + reaped_children_seconds(pid)
    return own + sum(tree_seconds(child) for child in children(pid))


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idling, since boot."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle, iowait = values[3], values[4]
    return (sum(values) - idle - iowait) / CLOCK_TICKS


@dataclass(frozen=True)
class Sample:
    at: float
    busy: float
    workers: float
    database: float
    reaped: float  # Finished children of this process: the wrk runs.


def sample(server: int, database: int | None) -> Sample | None:
    """Read the counters; ``server`` is gunicorn's master, ``database`` PostgreSQL's postmaster."""
    try:
        workers = sum(tree_seconds(child) for child in children(server))
        db = tree_seconds(database) if database else 0.0
        busy = machine_busy_seconds()
    except (OSError, ValueError, IndexError):
        return None
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Sample(time.monotonic(), busy, workers, db, usage.ru_utime + usage.ru_stime)


def usage(before: Sample | None, after: Sample | None, requests: int) -> dict:
    """Worker CPU per request, and the share of the machine other processes used meanwhile."""
    if before is None or after is None or not requests:
        return {"worker_cpu_ms_per_request": None, "other_cpu_percent": None, "cpu_seconds": None}
    seconds = {
        "machine_busy": after.busy - before.busy,
        "workers": after.workers - before.workers,
        "database": after.database - before.database,
        "load_tool": after.reaped - before.reaped,
    }
    other = max(0.0, seconds["machine_busy"] - seconds["workers"] - seconds["database"] - seconds["load_tool"])
    capacity = (after.at - before.at) * (os.cpu_count() or 1)
    return {
        "worker_cpu_ms_per_request": round(seconds["workers"] * 1000 / requests, 2),
        "other_cpu_percent": round(100 * other / capacity, 1),
        "cpu_seconds": {key: round(value, 2) for key, value in {**seconds, "capacity": capacity}.items()},
    }
