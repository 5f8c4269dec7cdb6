"""Calendar arithmetic the rules share."""

from __future__ import annotations

from datetime import date


def years_after(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
