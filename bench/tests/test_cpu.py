"""CPU accounting from /proc: the bench's own processes apart from everything else."""

import subprocess
import sys

from bench import cpu


def test_tree_time_counts_a_busy_child():
    # A child of this process burns 0.3 s of CPU, then waits: its time is in this tree.
    burn = (
        "import sys, time\n"
        "end = time.process_time() + 0.3\n"
        "while time.process_time() < end: pass\n"
        "print(flush=True)\n"
        "sys.stdin.read()"
    )
    child = subprocess.Popen([sys.executable, "-c", burn], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        child.stdout.readline()
        assert child.pid in cpu.children(cpu.parent(child.pid))
        assert cpu.tree_seconds(child.pid) >= 0.25
    finally:
        child.communicate("")


def test_usage_splits_the_machine_between_the_bench_and_the_rest(monkeypatch):
    monkeypatch.setattr(cpu.os, "cpu_count", lambda: 2)
    before = cpu.Sample(at=100.0, busy=50.0, workers=1.0, database=0.5, reaped=0.2)
    # 10 s on 2 cores: 20 s of capacity, 16 s busy; the bench used 5 + 1 + 2 of them.
    after = cpu.Sample(at=110.0, busy=66.0, workers=6.0, database=1.5, reaped=2.2)

    assert cpu.usage(before, after, requests=1000) == {
        "worker_cpu_ms_per_request": 5.0,
        "other_cpu_percent": 40.0,
        "cpu_seconds": {"machine_busy": 16.0, "workers": 5.0, "database": 1.0, "load_tool": 2.0, "capacity": 20.0},
    }


def test_usage_is_unknown_without_readings_or_requests():
    reading = cpu.Sample(at=0.0, busy=0.0, workers=0.0, database=0.0, reaped=0.0)
    unknown = {"worker_cpu_ms_per_request": None, "other_cpu_percent": None, "cpu_seconds": None}

    assert cpu.usage(None, reading, requests=10) == unknown
    assert cpu.usage(reading, reading, requests=0) == unknown


def test_tree_time_keeps_the_time_of_a_child_that_has_exited():
    # The process starts a child that burns 0.3 s and exits; once reaped, its time is the parent's.
    spawn = (
        "import subprocess, sys\n"
        "burn = 'import time\\nend = time.process_time() + 0.3\\nwhile time.process_time() < end: pass'\n"
        "subprocess.run([sys.executable, '-c', burn])\n"
        "print(flush=True)\n"
        "sys.stdin.read()"
    )
    parent = subprocess.Popen([sys.executable, "-c", spawn], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        parent.stdout.readline()
        assert cpu.children(parent.pid) == []
        assert cpu.reaped_children_seconds(parent.pid) >= 0.25
        assert cpu.tree_seconds(parent.pid) >= 0.25
    finally:
        parent.communicate("")
