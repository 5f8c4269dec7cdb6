"""Primitive checks of raw values (text, numbers, dates, codes) that collect issues.

Every check accepts anything — `None`, wrong types, huge strings — and either returns a
clean value or records a plain-words issue and returns `None`. Nothing here raises.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

import pycountry

from qa.domain.descriptor_fields import label
from qa.domain.report import Issue, Severity

E = TypeVar("E", bound=StrEnum)

SHORT_TEXT = 255
LONG_TEXT = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\t\u0085\u2028\u2029]")
_DECIMAL = re.compile(r"^[+-]?[0-9]{1,12}(\.[0-9]{1,12})?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BCP47 = re.compile(r"^([A-Za-z]{2,3})(-[A-Za-z0-9]{1,8})*$")
#: Codes the EU uses that are not ISO 3166-1 alpha-2.
_EU_COUNTRY_ALIASES = {"EL": "GR", "UK": "GB"}


_KIND_NAMES: dict[type, str] = {
    dict: "a table of values",
    list: "a list",
    tuple: "a list",
    set: "a set of values",
    bytes: "binary data",
    bytearray: "binary data",
}


def describe(value: object) -> str:
    """A short, safe rendering of a bad value for messages (never raises)."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return repr(shown)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) > 10**40:
        return "a number with hundreds of digits"
    if isinstance(value, int | float | Decimal):
        return plain(value)
    return _KIND_NAMES.get(type(value), "a value of the wrong kind")


def plain(number: int | float | Decimal) -> str:
    """Numbers as people write them: 60, 2.5 (never 6E+1)."""
    if isinstance(number, Decimal) and number.is_finite():
        text = format(number, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(number)


def _blank_text(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_blank(value: object) -> bool:
    """Nothing given: None, blank text, or an empty list or table."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple | dict | set) and not value


class Checker:
    """Accumulates issues while raw values are turned into clean ones."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def error(self, element: str, code: str, message: str) -> None:
        self.issues.append(Issue(element, Severity.ERROR, code, message))

    def warn(self, element: str, code: str, message: str) -> None:
        self.issues.append(Issue(element, Severity.WARNING, code, message))

    def missing(self, element: str, where: str = "") -> None:
        self.error(element, "missing", f"Missing: {label(element)}{where}.")

    # -- text ---------------------------------------------------------------------------------

    def text(
        self,
        key: str,
        value: object,
        *,
        required: bool = False,
        min_len: int = 1,
        max_len: int = LONG_TEXT,
        where: str = "",
        single_line: bool = False,
    ) -> str | None:
        """Text, cleaned; `single_line` refuses line breaks and tabs (titles, codes)."""
        if is_blank(value):
            if required:
                self.missing(key, where and f" ({where})")
            return None
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            value = int(value)  # spreadsheets turn codes like 2027 into 2027.0
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**40:
            value = str(value)  # ... and codes like 2027 into numbers
        if not isinstance(value, str):
            self.error(
                key,
                "type",
                f"{label(key)}{where and ' ' + where} must be text, not {describe(value)}.",
            )
            return None
        if len(value) > max_len:
            self.error(
                key,
                "too_long",
                f"{label(key)}{where and ' ' + where} is too long "
                f"({len(value):,} characters; at most {max_len:,}).",
            )
            return None
        if single_line and _LINE_BREAK.search(value.strip()):
            self.error(
                key,
                "line_break",
                f"{label(key)}{where and ' ' + where} must be on one line; "
                "remove the line breaks and tabs.",
            )
            return None
        if _CONTROL.search(value):
            self.error(
                key,
                "control_chars",
                f"{label(key)}{where and ' ' + where} contains "
                "invisible control characters; remove them.",
            )
            return None
        clean = unicodedata.normalize("NFC", value.strip())
        if len(clean) < min_len:
            self.error(
                key,
                "too_short",
                f"{label(key)}{where and ' ' + where} is too short "
                f"({describe(clean)}; at least {min_len} characters).",
            )
            return None
        return clean

    def text_list(
        self, key: str, value: object, *, required: bool = False, max_items: int = 50
    ) -> list[str] | None:
        """A list of non-blank strings; a lone string counts as a list of one."""
        if isinstance(value, str) or value is None:
            items: list[object] = [] if is_blank(value) else [value]
        elif isinstance(value, list | tuple):
            items = [item for item in value if not _blank_text(item)]
        else:
            self.error(
                key, "type", f"{label(key)} must be a list of values, not {describe(value)}."
            )
            return None
        if not items:
            if required:
                self.missing(key)
            return None
        if len(items) > max_items:
            self.error(
                key, "too_many", f"{label(key)} has {len(items)} values; at most {max_items}."
            )
            return None
        clean: list[str] = []
        for item in items:
            if not isinstance(item, str):
                self.error(
                    key, "type", f"{label(key)} must hold text values, not {describe(item)}."
                )
                return None
            clean.append(item.strip())
        return clean

    # -- numbers, dates, choices --------------------------------------------------------------

    def decimal(self, key: str, value: object, *, required: bool = False) -> Decimal | None:
        if is_blank(value):
            if required:
                self.missing(key)
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            self.error(key, "type", f"{label(key)} must be a number, not {describe(value)}.")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.error(key, "not_number", f"{label(key)} must be a finite number.")
            return None
        if isinstance(value, int) and abs(value) > 10**12:
            self.error(key, "too_large", f"{label(key)} {describe(value)} is far too large.")
            return None
        text = value.strip() if isinstance(value, str) else str(value)
        if isinstance(value, str) and _DECIMAL_COMMA.match(text):
            self.error(
                key,
                "decimal_comma",
                f"{label(key)} {describe(value)} uses a comma; "
                f"write it with a decimal point: {text.replace(',', '.')}.",
            )
            return None
        if isinstance(value, str) and not _DECIMAL.match(text):
            self.error(
                key,
                "not_number",
                f"{label(key)} must be a number such as 5 or 2.5, not {describe(value)}.",
            )
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            self.error(key, "not_number", f"{label(key)} must be a finite number.")
            return None
        return number

    def iso_date(self, key: str, value: object, *, required: bool = False) -> date | None:
        if is_blank(value):
            if required:
                self.missing(key)
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                self.error(
                    key, "bad_date", f"{label(key)} {describe(value)} is not a real calendar date."
                )
                return None
        self.error(
            key,
            "bad_date",
            f"{label(key)} must be a date written year-month-day, such as 2027-01-15, "
            f"not {describe(value)}.",
        )
        return None

    def choice(
        self, key: str, value: object, enum: type[E], *, required: bool = False, where: str = ""
    ) -> E | None:
        if is_blank(value):
            if required:
                self.missing(key, where)
            return None
        if not isinstance(value, str):
            self.error(
                key,
                "type",
                f"{label(key)}{where} must be one of {_listing(enum)}, not {describe(value)}.",
            )
            return None
        token = re.sub(r"[\s\-]+", "_", value.strip().lower())
        squashed: dict[str, E] = _squashed(enum)
        found: E | None = squashed.get(token.replace("_", "")) or squashed.get(
            token.removesuffix("_cycle").replace("_", "")
        )
        if found is not None:
            return found  # "Written exam", "on-site", "first cycle"
        else:
            self.error(
                key,
                "unknown_choice",
                f"{label(key)}{where} {describe(value)} is not one of {_listing(enum)}.",
            )
            return None

    def boolean(self, key: str, value: object) -> bool:
        if is_blank(value):
            return False
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            token = value.strip().lower()
            if token in {"yes", "y", "true", "1", "x", "ja", "oui", "si", "sí", "sim"}:
                return True
            if token in {"no", "n", "false", "0", "nein", "non", "não", "nao"}:
                return False
        self.error(key, "not_boolean", f"{label(key)} must be yes or no, not {describe(value)}.")
        return False

    # -- codes ---------------------------------------------------------------------------------

    def country(self, key: str, value: str) -> str | None:
        """ISO 3166-1 alpha-2 for a code (alpha-2/alpha-3, EU aliases EL/UK) or an exact name."""
        token = value.strip()
        upper = _EU_COUNTRY_ALIASES.get(token.upper(), token.upper())
        found = None
        if len(upper) == 2:
            found = pycountry.countries.get(alpha_2=upper)
        elif len(upper) == 3:
            found = pycountry.countries.get(alpha_3=upper)
        if found is None and len(token) > 3:
            try:
                found = pycountry.countries.lookup(token)
            except LookupError:
                found = None
        if found is None:
            self.error(
                key,
                "unknown_country",
                f"{describe(value)} is not a country we know: use a two-letter country code "
                "such as PT or DE.",
            )
            return None
        return str(found.alpha_2)

    def language(self, key: str, value: str) -> str | None:
        match = _BCP47.match(value.strip())
        primary = match.group(1).lower() if match else ""
        known = (
            (
                pycountry.languages.get(alpha_2=primary)
                if len(primary) == 2
                else pycountry.languages.get(alpha_3=primary)
            )
            if primary
            else None
        )
        if not match or known is None:
            self.error(
                key,
                "unknown_language",
                f"{label(key)} {describe(value)} is not a language we know: use a language "
                "code such as en, pt or de-AT.",
            )
            return None
        parts = value.strip().split("-")
        return "-".join([primary, *(p.upper() if len(p) == 2 else p for p in parts[1:])])


@functools.cache
def _squashed(enum: type[E]) -> dict[str, E]:
    """Each value without underscores, so "on-site" and "Written exam" find their member."""
    return {member.value.replace("_", ""): member for member in enum}


def _listing(enum: Iterable[StrEnum]) -> str:
    """The choices in words (`internal and external`), as people may also type them."""
    values = [member.value.replace("_", " ") for member in enum]
    return ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]
