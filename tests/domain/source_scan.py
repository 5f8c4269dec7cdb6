"""Find lines of the product's code, outside `qa/domain`, that match a pattern.

For the tests that keep state and status names inside the domain: code elsewhere compares
through the enums and predicates, never by spelling a value out.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def lines_outside_the_domain(pattern: re.Pattern[str]) -> list[str]:
    """`path:line: text` of each matching line in qa/ (but qa/domain), workflows/, templates/."""
    sources = [
        *ROOT.joinpath("qa").rglob("*.py"),
        *ROOT.joinpath("workflows").rglob("*.py"),
        *ROOT.joinpath("templates").rglob("*.html"),
    ]
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if "domain" not in path.relative_to(ROOT).parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if pattern.search(line)
    ]
