"""A reviewer's profile: one validator for the profile form, the import and the CLI."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qa.domain.bounds import calendar_day
from qa.domain.panel_round import Period
from qa.domain.reviewer_choice import PANEL_ROLES

ISCED_F = re.compile(r"^\d{2,4}$")
BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_LOAD = 50
FIELDS = (
    "expertise",
    "panel_role",
    "eqf_levels",
    "languages",
    "institution",
    "former_institutions",
    "statement",
    "max_load",
    "unavailable",
)


@dataclass(frozen=True)
class ProfileValues:
    expertise: tuple[str, ...] = ()
    panel_role: str | None = None
    eqf_levels: tuple[int, ...] = ()
    languages: tuple[str, ...] = ()  # none given: not limited by language
    institution: str | None = None
    former_institutions: tuple[str, ...] = ()
    statement: str = ""
    max_load: int | None = None
    unavailable: tuple[Period, ...] = ()


def _items(value: Any) -> list[str]:
    """A list, or a `;`-separated cell (the spreadsheet convention for repeated values)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(";") if part.strip()]


def _period(text: str) -> Period:
    start, _, end = text.partition("/")
    first = calendar_day(start)
    last = calendar_day(end or start)
    if last < first:
        raise ValueError("ends before it starts")
    return Period(first, last)


def parse_profile(raw: Mapping[str, Any]) -> tuple[ProfileValues | None, dict[str, str]]:
    """Values or, per field, what is wrong. Unknown keys are ignored by the caller."""
    errors: dict[str, str] = {}
    expertise = _items(raw.get("expertise"))
    if bad := [c for c in expertise if not ISCED_F.match(c)]:
        errors["expertise"] = f"not field-of-study codes (2 to 4 digits): {', '.join(bad)}"
    role = str(raw.get("panel_role") or "").strip() or None
    if role is not None and role not in PANEL_ROLES:
        errors["panel_role"] = f"panel role must be one of {', '.join(PANEL_ROLES)}"
    levels: list[int] = []
    for item in _items(raw.get("eqf_levels")):
        if not item.isdigit() or not 1 <= int(item) <= 8:
            errors["eqf_levels"] = f"EQF levels are 1 to 8, not {item!r}"
            break
        levels.append(int(item))
    languages = _items(raw.get("languages"))
    if bad := [tag for tag in languages if not BCP47.match(tag)]:
        errors["languages"] = (
            f"not language codes: {', '.join(bad)}; use codes such as en, pt or de-AT"
        )
    max_load: int | None = None
    if str(raw.get("max_load") or "").strip():
        text = str(raw["max_load"]).strip()
        if not text.isdigit() or not 1 <= int(text) <= MAX_LOAD:
            errors["max_load"] = f"maximum load is a whole number from 1 to {MAX_LOAD}"
        else:
            max_load = int(text)
    periods: list[Period] = []
    for item in _items(raw.get("unavailable")):
        try:
            periods.append(_period(item))
        except ValueError:
            errors["unavailable"] = (
                f"{item!r} is not a period: write its first and last day with a slash, "
                "such as 2027-07-01/2027-07-31"
            )
            break
    if errors:
        return None, errors
    institution = str(raw.get("institution") or "").strip() or None
    return (
        ProfileValues(
            expertise=tuple(expertise),
            panel_role=role,
            eqf_levels=tuple(sorted(set(levels))),
            languages=tuple(languages),
            institution=institution,
            former_institutions=tuple(_items(raw.get("former_institutions"))),
            statement=str(raw.get("statement") or "").strip(),
            max_load=max_load,
            unavailable=tuple(periods),
        ),
        {},
    )
