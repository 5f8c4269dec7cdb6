"""The test clock: the whole test session runs at a frozen-then-ticking instant.

`time-machine` moves the system time for this process (threads included), so the product's
`SystemClock` and anything else that reads the time agree. The instant does not depend on
the real calendar: it is `EPOCH`, moved by ``QA_TEST_CLOCK_SHIFT_DAYS`` days (CI runs the
suite again 400 days ahead, across a year end and a leap day, to prove there is no date
that will pass). It starts at 09:00 UTC so the suite never runs across a midnight.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

EPOCH = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
SHIFT_DAYS = int(os.environ.get("QA_TEST_CLOCK_SHIFT_DAYS", "0") or "0")
START = EPOCH + timedelta(days=SHIFT_DAYS)
TODAY: date = START.date()


def now() -> datetime:
    """The current (travelled) instant; only meaningful while the session's travel runs."""
    return datetime.now(UTC)
