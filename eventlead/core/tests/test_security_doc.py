"""docs/security.md names only tests that exist, so its table cannot drift from the suite."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_every_test_named_in_the_security_table_exists():
    table = (ROOT / "docs" / "security.md").read_text()
    references = re.findall(r"`(?:([\w/]+\.py)::)?(test_\w+)`", table)
    assert len(references) >= 40

    skip = {".venv", ".git", "var", "node_modules"}
    test_files = [f for top in ROOT.iterdir() if top.is_dir() and top.name not in skip for f in top.rglob("test_*.py")]
    current_file = None
    missing = []
    for path, name in references:
        # A bare file name (test_api_auth.py) is the one of that name; a bare test belongs to the last file named.
        current_file = path or current_file
        candidates = [f for f in test_files if current_file and f.name == Path(current_file).name]
        if not any(re.search(rf"^def {name}\(", c.read_text(), re.M) for c in candidates):
            missing.append(f"{current_file}::{name}")
    assert missing == []
