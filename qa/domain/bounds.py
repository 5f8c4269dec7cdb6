"""The range of every number, date and text the product stores or looks up.

PostgreSQL's `integer` ends at 2^31 - 1 (SQLite's at 2^63 - 1): an id or a version above it
can never name a row, and asking the database for it is an error on PostgreSQL. Dates far
from today overflow date arithmetic (the year 9999 has no next day) and mean nothing for a
micro-credential. PostgreSQL refuses NUL in text; other control characters have no place in
what people type (tabs and line breaks do).
"""

from __future__ import annotations

import re
from datetime import date

#: The largest whole number that fits an id or version column on both databases.
MAX_INTEGER = 2**31 - 1
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
DATE_RANGE = f"between {EARLIEST_DATE.year} and {LATEST_DATE.year}"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAMES = {"\x00": "a NUL byte", "\x1b": "an escape character", "\x7f": "a delete character"}


class OutOfRange(ValueError):
    """Well written, but outside what the product stores."""


def whole_number(text: str) -> int:
    """A number from 0 to `MAX_INTEGER` written in digits, or ValueError saying why not."""
    written = text.strip()
    if not written.isascii() or not written.isdigit():  # "²".isdigit() is true
        raise ValueError("must be a whole number")
    digits = written.lstrip("0") or "0"  # int() refuses more than 4,300 digits
    if len(digits) > len(str(MAX_INTEGER)) or int(digits) > MAX_INTEGER:
        raise OutOfRange(f"must be at most {MAX_INTEGER:,}")
    return int(digits)


def whole_number_or_none(text: str) -> int | None:
    """`whole_number`, or None for anything else (filters that ignore what they cannot use)."""
    try:
        return whole_number(text)
    except ValueError:
        return None


def in_range(number: int) -> bool:
    return 0 <= number <= MAX_INTEGER


def calendar_day(text: str) -> date:
    """A YYYY-MM-DD date between `EARLIEST_DATE` and `LATEST_DATE`, or ValueError."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError("must be a date written as YYYY-MM-DD") from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise OutOfRange(f"must be a date {DATE_RANGE}")
    return day


def visible(name: str) -> str:
    """`name` with every C0 control character and DEL as its visible symbol (U+2400–U+2421),
    so a message can name a field whose name holds them: "a\\x13b" is "a␓b"."""
    return "".join(
        chr(0x2400 + ord(c)) if ord(c) < 0x20 else "\u2421" if c == "\x7f" else c for c in name
    )


def control_character(text: str) -> str | None:
    """What is wrong with `text` ("a NUL byte", ...) or None; tabs and line breaks are fine."""
    found = _CONTROL.search(text)
    if found is None:
        return None
    char = found.group()
    return _NAMES.get(char, f"a control character (U+{ord(char):04X})")
