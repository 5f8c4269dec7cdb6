"""The officer's decision form as entered: parsed from the posted fields, each problem kept
next to the field it is about (`rationale`, `condition-2`), so a refused form comes back with
everything the officer typed."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from qa.services.decisions.decisions import ConditionInput
from qa.services.pages.officer_review import OUTCOMES, SignOffView

BLANK_CONDITION_ROWS = 3
MAX_CONDITION_ROWS = 20


@dataclass(frozen=True)
class ConditionRow:
    text: str = ""
    owner: str = ""
    due: str = ""

    @property
    def blank(self) -> bool:
        return not (self.text.strip() or self.owner.strip() or self.due.strip())


@dataclass(frozen=True)
class SignOffForm:
    """The decision form as entered, with problems keyed by field (`rationale`, `condition-2`)."""

    decision: str
    rationale: str = ""
    rows: tuple[ConditionRow, ...] = (ConditionRow(),) * BLANK_CONDITION_ROWS
    valid_to: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None

    @classmethod
    def blank(cls, view: SignOffView) -> SignOffForm:
        return cls(view.assessment.recommended.value, valid_to=view.default_valid_to.isoformat())

    @classmethod
    def parse(cls, form: Mapping[str, Any]) -> SignOffForm:
        count = _count(form.get("condition_rows"))
        rows = tuple(
            ConditionRow(
                str(form.get(f"condition-text-{n}", "")).strip(),
                str(form.get(f"condition-owner-{n}", "")).strip(),
                str(form.get(f"condition-due-{n}", "")).strip(),
            )
            for n in range(1, count + 1)
        )
        parsed = cls(
            decision=str(form.get("decision", "")),
            rationale=str(form.get("rationale", "")).strip(),
            rows=rows,
            valid_to=str(form.get("valid_to", "")).strip(),
        )
        errors: dict[str, list[str]] = {}
        if parsed.decision not in OUTCOMES:
            errors["decision"] = ["choose a decision"]
        for n, row in enumerate(rows, start=1):
            if not row.blank and _date(row.due) is None:
                errors[f"condition-{n}"] = [f"condition {n}: choose the due date in the calendar"]
        if parsed.valid_to and _date(parsed.valid_to) is None:
            errors["valid_to"] = ["choose the end of validity in the calendar"]
        if errors:
            return replace(parsed, errors=errors, message="the decision cannot be signed")
        return parsed

    def with_more_rows(self) -> SignOffForm:
        return replace(self, rows=(*self.rows, ConditionRow())[:MAX_CONDITION_ROWS])

    @property
    def filled(self) -> list[tuple[int, ConditionRow]]:
        """(form row number, row) of the rows with anything in them."""
        return [(n, row) for n, row in enumerate(self.rows, start=1) if not row.blank]

    def conditions(self) -> list[ConditionInput]:
        return [
            ConditionInput(row.text, row.owner, _date(row.due) or date.min)
            for _, row in self.filled
        ]

    def valid_to_date(self) -> date | None:
        return _date(self.valid_to)

    def refused(self, message: str, problems: Sequence[str]) -> SignOffForm:
        """The service's problems, each placed next to the field it is about."""
        numbers = [n for n, _ in self.filled]
        errors: dict[str, list[str]] = {}
        for problem in problems or (message,):
            key, text = _field_of(problem, numbers)
            errors.setdefault(key, []).append(text)
        return replace(self, errors=errors, message=message)


_CONDITION = re.compile(r"^condition (\d+): (.*)$")


def _field_of(problem: str, numbers: Sequence[int]) -> tuple[str, str]:
    """The field a problem is about, and its text (condition numbers become row numbers)."""
    found = _CONDITION.match(problem)
    if found and 0 < int(found.group(1)) <= len(numbers):
        row = numbers[int(found.group(1)) - 1]
        return f"condition-{row}", f"condition {row}: {found.group(2)}"
    if "condition" in problem:
        return "conditions", problem
    if problem.startswith("decision must be"):
        return "decision", problem
    if any(word in problem for word in ("rationale", "explain", "revise")):
        return "rationale", problem
    return "general", problem


def _count(value: object) -> int:
    text = str(value or "")
    return min(MAX_CONDITION_ROWS, int(text)) if text.isdigit() else BLANK_CONDITION_ROWS


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
