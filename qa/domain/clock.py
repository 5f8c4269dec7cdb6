"""The product's one clock: every "now" and every "today" comes from here.

Routing, deadlines, dashboards, sign-in links, audit entries and packs all ask the clock
that the composition root (`create_app`, the `qa` command, the worker) built, so they agree
on the instant and on the office's calendar day. Instants are timezone-aware UTC; the
calendar day is the office's (``QA_TIMEZONE``, UTC by default), because a due date is a day
in the office's calendar, not in Greenwich's.

Tests do not replace the clock: they freeze or move the system time with `time-machine`,
so the clock below and anything else that reads the time agree with each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qa.domain.errors import InvalidInput


class Clock(Protocol):
    """What the product asks of a clock."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...

    def today(self) -> date:
        """The current day in the office's calendar."""
        ...

    def local(self, instant: datetime) -> datetime:
        """An instant as the office's wall-clock time (for display)."""
        ...


@dataclass(frozen=True)
class SystemClock:
    """The operating system's time, with the office's time zone for calendar days."""

    zone: tzinfo = field(default=UTC)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def local(self, instant: datetime) -> datetime:
        """An instant as the office's wall-clock time (for display)."""
        return instant.astimezone(self.zone)


def office_zone(name: str) -> tzinfo:
    """An IANA time-zone name (``Europe/Lisbon``) or ``UTC``; a clear error otherwise."""
    cleaned = name.strip()
    if cleaned.upper() in ("", "UTC", "Z"):
        return UTC
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            "unknown time zone",
            (f"QA_TIMEZONE={name!r} is not an IANA time zone such as Europe/Lisbon or UTC",),
        ) from exc
