"""The markdown report of bench/run: rows relative to the baseline and to their floors, CPU time, errors."""

from bench.runner import render_markdown


def scenario(label, rps, p50, cpu_ms, other=2.0, errors=None, name=None, floor_of=None):
    counts = {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0, **(errors or {})}
    return {
        "name": name or label.lower(),
        "floor_of": floor_of,
        "label": label,
        "requests_per_s": rps,
        "latency_ms": {"p50": p50, "p95": p50 * 2, "p99": p50 * 3},
        "worker_cpu_ms_per_request": cpu_ms,
        "other_cpu_percent": other,
        "errors": counts,
    }


REPORT = {
    "date": "2026-01-01T00:00:00+00:00",
    "code": {"commit": "abc1234", "uncommitted": ["accounts/apis.py"]},
    "machine": {
        "cores": 2,
        "cpu": "Test CPU",
        "memory_gib": 4.0,
        "os": "Linux 6",
        "python": "3.11.7",
        "django": "5.2",
        "djangorestframework": "3.18",
        "db_engine": "postgresql",
        "db_version": "15.1",
        "hasher": "eventlead.core.hashers.Argon2idHasher",
        "hash_parameters": "m=19456,t=2,p=1",
        "argon2_cffi": "25.1.0",
        "hash_verify_ms": 30.0,
    },
    "load": {"tool": "wrk 4.1.0", "connections": 16, "threads": 2, "duration_s": 12, "warmup_s": 3},
    "server": {"gunicorn": "27.0.1", "workers": 5, "worker_class": "sync"},
    "notes": ["A note."],
    "scenarios": [
        scenario("Bare", 1000.0, 10.0, 1.5),
        scenario("Me", 250.0, 40.0, 6.25),
        scenario("Me (before: d0960ef)", 200.0, 50.0, 7.5, name="me"),
        scenario("Floor of me", 400.0, 25.0, 2.5, name="me-floor", floor_of="me"),
        scenario("Login", 50.0, 300.0, None, None, {"status": 3, "timeout": 1}),
    ],
}


def test_rows_show_throughput_relative_to_the_baseline_cpu_and_errors_by_kind():
    rows = render_markdown(REPORT).splitlines()

    assert rows[0].startswith("| Scenario | req/s | vs baseline | vs floor | p50 ms |")
    assert rows[2] == "| Bare | 1000.0 | 1.00x |  | 10.0 | 20.0 | 30.0 | 1.50 | 2% | 0 |"
    assert rows[6] == "| Login | 50.0 | 0.05x |  | 300.0 | 600.0 | 900.0 | n/a | n/a | 3 status, 1 timeout |"


def test_endpoints_show_their_cpu_relative_to_their_floor_whichever_revision_served_them():
    rows = render_markdown(REPORT).splitlines()

    assert rows[3] == "| Me | 250.0 | 0.25x | 2.50x | 40.0 | 80.0 | 120.0 | 6.25 | 2% | 0 |"
    assert rows[4] == "| Me (before: d0960ef) | 200.0 | 0.20x | 3.00x | 50.0 | 100.0 | 150.0 | 7.50 | 2% | 0 |"
    assert rows[5] == "| Floor of me | 400.0 | 0.40x |  | 25.0 | 50.0 | 75.0 | 2.50 | 2% | 0 |"


def test_the_compared_revision_is_named_only_when_there_was_one():
    compared = {**REPORT, "compare": {"revision": "d0960ef", "requested": "HEAD~1"}}

    assert '- Compared with: commit d0960ef (rows marked "before: d0960ef")' in render_markdown(compared)
    assert "Compared with" not in render_markdown(REPORT)


def test_reports_written_before_floors_existed_still_render():
    old_rows = [
        {key: value for key, value in row.items() if key not in {"name", "floor_of"}} for row in REPORT["scenarios"]
    ]

    rows = render_markdown({**REPORT, "scenarios": old_rows}).splitlines()

    assert rows[3] == "| Me | 250.0 | 0.25x |  | 40.0 | 80.0 | 120.0 | 6.25 | 2% | 0 |"


def test_conditions_name_the_hasher_parameters_and_database():
    text = render_markdown(REPORT)

    assert "Argon2id m=19456,t=2,p=1" in text
    assert "PostgreSQL 15.1" in text
    assert "5 sync workers" in text
    assert ", commit abc1234 with 1 uncommitted file\n" in text


def test_notes_warn_when_other_processes_shared_the_cores():
    from bench.runner import _notes

    setup = {"production_login_rate": "10/min", "db_engine": "postgresql"}
    quiet = [scenario("Bare", 1000.0, 10.0, 1.5, other=1.0)]
    busy = [*quiet, scenario("Me", 250.0, 40.0, 6.25, other=37.4)]

    assert not any("Other processes" in note for note in _notes(setup, quiet))
    assert "Other processes used up to 37% of the machine's CPU" in _notes(setup, busy)[0]


def test_notes_say_how_the_compared_revision_was_served():
    from bench.runner import _notes

    setup = {"production_login_rate": "10/min", "db_engine": "postgresql"}

    assert any('"before: d0960ef"' in note for note in _notes(setup, [], "d0960ef"))
    assert not any("before:" in note for note in _notes(setup, []))
