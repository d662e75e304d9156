"""The fuzz tests' counts, in pytest's terminal summary (``pytest -s`` shows them as they come, too)."""

LINES: list[str] = []


def report(line: str) -> None:
    """Print ``line`` now and keep it for the terminal summary."""
    print(line)
    LINES.append(line)


def pytest_terminal_summary(terminalreporter):
    if LINES:
        terminalreporter.section("schemathesis")
        for line in LINES:
            terminalreporter.write_line(line)
