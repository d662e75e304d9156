"""One line of a check report, and the plain-text table the commands print."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

OK, FAIL, INFO = "OK", "FAIL", "INFO"


@dataclass(frozen=True)
class Result:
    """The outcome of one check on one target; ``INFO`` lines inform and never fail a run."""

    check: str
    target: str
    result: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.result == FAIL


def result(check: str, target: str, passed: bool, detail: str = "") -> Result:
    return Result(check, target, OK if passed else FAIL, detail)


def render_table(rows: Sequence[Sequence[str]], headers: Sequence[str]) -> str:
    """Align ``rows`` under ``headers``; the last column is left ragged."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = []
    for index, row in enumerate([headers, *rows]):
        cells = [str(cell).ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*cells, str(row[-1])]).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_results(results: Iterable[Result]) -> str:
    rows = [(r.check, r.target, r.result, r.detail) for r in results]
    return render_table(rows, ("check", "target", "result", "detail"))


def listing(names: Iterable[str], limit: int = 12) -> str:
    """``"a, b, c"``, shortened to ``limit`` names and a count of the rest."""
    names = sorted(names)
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown
