"""Catalogue spreadsheets: headings and cells turned into raw descriptors.

One row is one descriptor; headings are the descriptor keys of DOMAIN.md §2. Repeatable
elements hold several values separated by ``;``. Awarding bodies are written
``Legal name [scheme:value, scheme:value]; Other body [scheme:value]``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any

from qa.domain.descriptor_fields import FIELDS_BY_KEY, MANDATORY_KEYS, Kind
from qa.domain.report import Severity

#: Key under which a reader puts a value found right of the last heading.
UNHEADED = "(column without heading)"
#: A spreadsheet runs text starting with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@")
_BODY = re.compile(r"^(?P<name>[^\[\]]+?)\s*(?:\[(?P<ids>[^\[\]]*)\])?$")


@dataclass(frozen=True)
class CatalogueRow:
    number: int  # the row number a spreadsheet user sees (heading row is 1)
    cells: dict[str, Any]


def _nothing_to_close() -> None:
    return None


@dataclass
class CatalogueFile:
    """An opened catalogue; use it in a `with` block so the file closes even if unread."""

    name: str
    sha256: str
    headings: list[str]
    rows: Iterator[CatalogueRow] = field(repr=False)
    close: Callable[[], None] = field(default=_nothing_to_close, repr=False)

    def __enter__(self) -> CatalogueFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class FormulaCell:
    """An .xlsx cell holding a formula: the import reads values, never formulas."""

    formula: str

    def __str__(self) -> str:
        return self.formula


@dataclass(frozen=True)
class CellProblem:
    column: str
    reason: str
    severity: Severity = Severity.ERROR


def looks_like_formula(value: object) -> bool:
    """Text (not a number such as -1) that a spreadsheet would run as a formula."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    if len(text) < 2 or not text.startswith(FORMULA_PREFIXES):
        return False
    try:
        float(text)
    except ValueError:
        return True
    return False


def formula_cell_reason(cell: FormulaCell) -> str:
    shown = cell.formula if len(cell.formula) <= 60 else cell.formula[:57] + "..."
    return (
        f"this cell holds a formula ({shown}), not a value: the import reads values only. "
        "In Excel copy the column and paste it back with Paste Special > Values, "
        "or type the value itself"
    )


def formula_like_reason(value: str) -> str:
    return (
        f"the text starts with {value.strip()[0]!r} like a spreadsheet formula; it is stored "
        "as the text shown and never calculated (check it is what you meant)"
    )


def check_headings(headings: list[str], *, provider_given: bool) -> list[CellProblem]:
    """Unknown, duplicate and missing columns; any of these rejects the whole file."""
    problems: list[CellProblem] = []
    seen: set[str] = set()
    for heading in headings:
        if not heading:
            continue
        if heading in seen:
            problems.append(CellProblem(heading, "this column appears twice"))
        seen.add(heading)
        if heading not in FIELDS_BY_KEY:
            close = difflib.get_close_matches(
                heading.lower().replace(" ", "_"), list(FIELDS_BY_KEY), n=1
            )
            hint = f"; did you mean {close[0]}?" if close else ""
            problems.append(CellProblem(heading, f"not a descriptor element{hint}"))
    required = [*MANDATORY_KEYS, "external_id"] + ([] if provider_given else ["provider"])
    for key in required:
        if key not in seen:
            problems.append(CellProblem(key, "this required column is missing"))
    return problems


def normalise_heading(value: object) -> str:
    return str(value).strip() if value is not None else ""


def row_to_raw(cells: dict[str, Any]) -> tuple[dict[str, Any], list[CellProblem]]:
    """Split repeatable cells and parse awarding bodies; other values pass through as typed.

    A formula cell is an error (its column is left out of `raw`); text that looks like a
    formula is kept as text with a warning.
    """
    raw: dict[str, Any] = {}
    problems: list[CellProblem] = []
    for key, cell in cells.items():
        spec = FIELDS_BY_KEY.get(key)
        value = cell.strip() if isinstance(cell, str) else cell
        if spec is None or value is None or value == "":
            continue
        if isinstance(value, FormulaCell):
            problems.append(CellProblem(key, formula_cell_reason(value)))
            continue
        if looks_like_formula(value):
            problems.append(CellProblem(key, formula_like_reason(value), Severity.WARNING))
        if spec.kind is Kind.BODIES:
            bodies, body_problems = parse_awarding_bodies(value)
            raw[key] = bodies
            problems.extend(CellProblem(key, p) for p in body_problems)
        elif spec.kind in (Kind.TEXT_LIST, Kind.CHOICE_LIST):
            raw[key] = split_list(value)
        elif spec.kind is Kind.TEXT and isinstance(value, float) and value.is_integer():
            raw[key] = str(int(value))  # Excel stores 2027 as 2027.0
        elif spec.kind is Kind.DATE and isinstance(value, datetime):
            raw[key] = value.date()
        else:
            raw[key] = value
    return raw, problems


def split_list(value: object) -> list[Any]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [value]


def parse_awarding_bodies(value: object) -> tuple[list[dict[str, Any]], list[str]]:
    if not isinstance(value, str):
        return [], [
            f"write awarding bodies as text, e.g. 'Legal name [pic:912345678]', not {value!r}"
        ]
    bodies: list[dict[str, Any]] = []
    problems: list[str] = []
    for n, part in enumerate(_split_top_level(value), start=1):
        match = _BODY.match(part)
        if not match:
            problems.append(
                f"awarding body no. {n} {part[:60]!r} is not written as "
                "'Legal name [scheme:value, scheme:value]'"
            )
            continue
        identifiers = []
        for token in (match.group("ids") or "").split(","):
            if not token.strip():
                continue
            scheme, sep, ident = token.partition(":")
            if not sep:
                problems.append(
                    f"awarding body no. {n}: identifier {token.strip()!r} needs a "
                    "scheme, e.g. pic:912345678"
                )
                continue
            identifiers.append({"scheme": scheme.strip(), "value": ident.strip()})
        bodies.append({"name": match.group("name").strip(), "identifiers": identifiers})
    return bodies, problems


def _split_top_level(value: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in value:
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == ";" and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def cell_as_text(value: object) -> str:
    """How a cell value is shown in a problem report (short, never huge)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."
