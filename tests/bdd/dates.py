"""Days in feature files, written relative to the test clock's today.

A scenario says "in 3 months" or "a month ago" rather than a calendar date, so it reads the
same to an officer and holds whichever day the suite runs on (`tests/clock.py`).
ISO dates are still accepted where a scenario is about a fixed day.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from tests.clock import TODAY

_UNIT = r"days?|weeks?|months?|years?"
_RELATIVE = re.compile(
    rf"^(?:in (?P<ahead>\w+) (?P<unit>{_UNIT})|(?P<back>\w+) (?P<unit_back>{_UNIT}) ago)$"
)
_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3}


def _months_later(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _amount(word: str) -> int:
    return _WORDS[word] if word in _WORDS else int(word)


def feature_day(text: str, today: date = TODAY) -> date:
    """ "today", "2027-03-01", "in 5 days", "in 3 months", "a month ago", "in 6 years"."""
    cleaned = text.strip()
    if cleaned == "today":
        return today
    found = _RELATIVE.match(cleaned)
    if found is None:
        return date.fromisoformat(cleaned)
    sign = 1 if found["ahead"] else -1
    amount = sign * _amount(found["ahead"] or found["back"])
    unit = (found["unit"] or found["unit_back"]).rstrip("s")
    if unit in ("month", "year"):
        return _months_later(today, amount * (12 if unit == "year" else 1))
    return today + timedelta(days=amount * (7 if unit == "week" else 1))
