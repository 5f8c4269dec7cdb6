"""Accessibility audits of real pages with axe-core (vendored: nothing is downloaded).

`audit(page)` runs axe-core's WCAG 2.0, 2.1 and 2.2 level A and AA rules on the page as it
is now and returns every violation; `assert_accessible(page, name)` fails the test, with a
readable summary, when any violation is serious or critical.

axe is injected with `page.evaluate(source)`: the app's CSP (`script-src 'self'`) blocks
`page.add_script_tag(content=...)`, an inline script, while code evaluated by Playwright
through the DevTools protocol is not subject to the page's CSP. So the pages are audited
with their real CSP on (no `bypass_csp`), which also keeps CSP mistakes visible in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
VENDOR = Path(__file__).resolve().parent / "vendor"
AXE_FILE = VENDOR / f"axe-core-{AXE_VERSION}.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = ("serious", "critical")

_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map(String).join(" "),
      summary: n.failureSummary || "",
    })),
  }));
}"""


@dataclass(frozen=True)
class Node:
    target: str  # a CSS selector of the failing element
    summary: str  # axe's "Fix any of the following: ..." text


@dataclass(frozen=True)
class Violation:
    id: str
    impact: str | None  # minor, moderate, serious or critical
    help: str
    help_url: str
    nodes: tuple[Node, ...]

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def describe(self, max_nodes: int = 5) -> str:
        lines = [f"- {self.id} ({self.impact}): {self.help} [{self.help_url}]"]
        for node in self.nodes[:max_nodes]:
            first = node.summary.strip().splitlines()
            detail = " ".join(line.strip() for line in first[1:3]) if first else ""
            lines.append(f"    at {node.target}: {detail}")
        if len(self.nodes) > max_nodes:
            lines.append(f"    ... and {len(self.nodes) - max_nodes} more elements")
        return "\n".join(lines)


@cache
def axe_source() -> str:
    return AXE_FILE.read_text(encoding="utf-8")


def audit(page: Any, tags: tuple[str, ...] = WCAG_TAGS) -> list[Violation]:
    """Every axe violation of the given WCAG tags on the page, most severe first."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    raw: list[dict[str, Any]] = page.evaluate(_RUN, list(tags))
    order = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
    violations = [
        Violation(
            id=v["id"],
            impact=v["impact"],
            help=v["help"],
            help_url=v["helpUrl"],
            nodes=tuple(Node(n["target"], n["summary"]) for n in v["nodes"]),
        )
        for v in raw
    ]
    return sorted(violations, key=lambda v: (order.get(v.impact or "", 4), v.id))


def assert_accessible(page: Any, name: str) -> list[Violation]:
    """Fail on serious or critical violations; return all of them (minor ones included)."""
    violations = audit(page)
    blocking = [v for v in violations if v.blocking]
    if blocking:
        details = "\n".join(v.describe() for v in blocking)
        raise AssertionError(
            f"{name} ({page.url}) has {len(blocking)} serious or critical accessibility "
            f"violation(s) (axe-core {AXE_VERSION}, WCAG 2.x A and AA):\n{details}"
        )
    return violations
