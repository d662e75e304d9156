"""Turn mutmut's results into the mutation section of docs/testing.md, and hold the goals.

Reads ``mutmut results --all true`` (run from the project root, after ``mutmut run``) and the
explanations in ``docs/mutation-equivalents.txt`` (``<mutant name>  <one-line reason>``), then
rewrites the part of docs/testing.md between the two markers below. Exits 1 when a surviving
mutant has no explanation, or a module misses its goal: 90% of its non-equivalent mutants
killed, 100% in the modules named in FULL_MARKS. A mutant that only a PostgreSQL race test can
kill is explained there too, naming the test.
"""

from __future__ import annotations

import datetime
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTING = ROOT / "docs" / "testing.md"
EQUIVALENTS = ROOT / "docs" / "mutation-equivalents.txt"
BEGIN, END = "<!-- mutation results: begin -->", "<!-- mutation results: end -->"
GOAL = 0.90
FULL_MARKS = {"companies.access", "eventlead.core.redaction"}
KILLED = {"killed", "timeout"}  # a mutant that makes a test hang is caught too

RESULT_LINE = re.compile(r"^\s*(?P<name>[\w.ǁ]+): (?P<status>[\w ]+)$")


def module_of(mutant: str) -> str:
    """``companies.access.x_membership_get__mutmut_8`` -> ``companies.access``."""
    parts = mutant.split(".")
    for index, part in enumerate(parts):
        if part.startswith(("x_", "xǁ")):
            return ".".join(parts[:index])
    return ".".join(parts[:-1])


def read_results(text: str) -> dict[str, str]:
    return {match["name"]: match["status"].strip() for match in map(RESULT_LINE.match, text.splitlines()) if match}


def read_equivalents(text: str) -> dict[str, str]:
    reasons = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, reason = line.strip().partition(" ")
            reasons[name] = reason.strip()
    return reasons


def summarise(results: dict[str, str], equivalents: dict[str, str]) -> tuple[list[str], list[str]]:
    """The markdown lines of the section, and the problems that fail the run."""
    by_module: dict[str, Counter] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for name, status in sorted(results.items()):
        module = module_of(name)
        if status in KILLED:
            by_module[module]["killed"] += 1
        elif name in equivalents:
            by_module[module]["equivalent"] += 1
            survivors[module].append(name)
        else:
            by_module[module][status] += 1
            survivors[module].append(name)
        by_module[module]["mutants"] += 1

    problems = [
        f"{name} ({results[name]}) has no explanation in {EQUIVALENTS.name}"
        for module in survivors
        for name in survivors[module]
        if name not in equivalents
    ]
    problems += [
        f"{name} is explained in {EQUIVALENTS.name} but was killed or not generated"
        for name in equivalents
        if results.get(name, "killed") in KILLED
    ]
    rows = ["| Module | Mutants | Killed | Explained | Not killed | Score | Goal |", "|---|---|---|---|---|---|---|"]
    for module, counts in sorted(by_module.items()):
        relevant = counts["mutants"] - counts["equivalent"]
        score = counts["killed"] / relevant if relevant else 1.0
        goal = 1.0 if module in FULL_MARKS else GOAL
        not_killed = relevant - counts["killed"]
        rows.append(
            f"| `{module}` | {counts['mutants']} | {counts['killed']} | {counts['equivalent']} | "
            f"{not_killed} | {score:.1%} | {goal:.0%} |"
        )
        if score < goal:
            problems.append(f"{module}: {score:.1%} of non-equivalent mutants killed, goal {goal:.0%}")
    lines = rows + ["", "Surviving mutants and why each one survives (`mutmut show NAME` prints its diff):", ""]
    for module in sorted(survivors):
        for name in survivors[module]:
            lines.append(f"- `{name}`: {equivalents.get(name, '**not explained**')}")
    if not any(survivors.values()):
        lines.append("- none")
    return lines, problems


def main() -> int:
    output = subprocess.run(
        [sys.executable, "-m", "mutmut", "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    results = read_results(output)
    if not results:
        print("mutation_report: mutmut has no results; run `make mutation`.", file=sys.stderr)
        return 1
    equivalents = read_equivalents(EQUIVALENTS.read_text(encoding="utf-8")) if EQUIVALENTS.exists() else {}
    lines, problems = summarise(results, equivalents)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    header = (
        f"Run on {datetime.date.today().isoformat()} at commit `{commit.strip()}` "
        f"(mutmut, {len(results)} mutants, on SQLite). Score: killed / (mutants - explained)."
    )
    section = "\n".join([BEGIN, header, "", *lines, END])
    text = TESTING.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    TESTING.write_text(text[:start] + section + text[end:], encoding="utf-8")
    print("\n".join(lines[: lines.index("")]))
    for problem in problems:
        print(f"mutation_report: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
