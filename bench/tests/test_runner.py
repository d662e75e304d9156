"""What bench/run measures, in which order, on which code, and what it calls each row."""

import subprocess

import pytest

from bench.runner import ROOT, SCENARIOS, BenchError, _checkout, floor_cells, row_label, schedule


def names(plan):
    return [scenario.name + (" (before)" if on_compared else "") for scenario, on_compared in plan]


def test_each_floor_is_measured_right_after_its_endpoint_and_the_writes_come_last():
    assert names(schedule(SCENARIOS, comparing=False)) == [
        "bare",
        "me",
        "me-floor",
        "company",
        "company-floor",
        "members",
        "members-floor",
        "invitations",
        "invitations-floor",
        "countries",
        "countries-floor",
        "refresh",
        "login",
    ]


def test_compared_runs_follow_the_same_real_endpoint_and_skip_the_baseline_and_floors():
    plan = names(schedule(SCENARIOS, comparing=True))

    assert plan[:5] == ["bare", "me", "me (before)", "me-floor", "company"]
    assert plan[-4:] == ["refresh", "refresh (before)", "login", "login (before)"]
    assert [name for name in plan if name.endswith("(before)")] == [
        f"{name} (before)" for name in ("me", "company", "members", "invitations", "countries", "refresh", "login")
    ]


def test_floors_sit_under_the_bench_prefix_and_send_what_their_endpoint_sends():
    by_name = {scenario.name: scenario for scenario in SCENARIOS}

    for floor in (scenario for scenario in SCENARIOS if scenario.floor_of):
        endpoint = by_name[floor.floor_of]
        assert floor.path == endpoint.path.replace("/api/v1/", "/api/v1/bench/floor/")
        assert (floor.method, floor.bearer, floor.compared) == ("GET", endpoint.bearer, False)
    assert not by_name["countries"].bearer and by_name["members"].bearer


def test_rows_of_the_compared_revision_name_it():
    assert row_label("GET /api/v1/users/me", "d0960ef") == "GET /api/v1/users/me (before: d0960ef)"
    assert row_label("GET /api/v1/users/me", None) == "GET /api/v1/users/me"


def test_floor_cells_divide_cpu_by_the_floors_and_say_when_a_reading_is_missing():
    rows = [
        {"name": "bare", "worker_cpu_ms_per_request": 1.0},
        {"name": "me", "worker_cpu_ms_per_request": 4.48},
        {"name": "me-floor", "floor_of": "me", "worker_cpu_ms_per_request": 4.0},
        {"name": "members", "worker_cpu_ms_per_request": None},
        {"name": "members-floor", "floor_of": "members", "worker_cpu_ms_per_request": 2.0},
        {"name": "countries", "worker_cpu_ms_per_request": 3.0},
        {"name": "countries-floor", "floor_of": "countries", "worker_cpu_ms_per_request": None},
    ]

    assert floor_cells(rows) == ["", "1.12x", "", "n/a", "", "n/a", ""]


def test_the_compared_revision_is_unpacked_apart_from_the_working_tree(tmp_path):
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")

    revision, tree = _checkout("HEAD", tmp_path)

    assert revision == head.stdout.strip()
    assert tree.parent == tmp_path and (tree / "bench" / "urls.py").is_file()
    assert (tree / "eventlead" / "gunicorn.conf.py").is_file()
    assert list(tmp_path.iterdir()) == [tree]  # the archive itself is gone


def test_a_revision_that_is_not_a_commit_stops_the_run_before_anything_starts(tmp_path):
    with pytest.raises(BenchError, match="not a commit"):
        _checkout("no-such-revision-anywhere", tmp_path)
