"""The vocabulary of the pack contract: column types, columns, tables and code lists.

`contract.py` declares the pack's tables with these types; the writer, the README sheet and
docs/audit-pack.md are all generated from that one declaration, so they cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    CODE = "code"
    LIST = "list"
    FLAG = "flag"
    DATE = "date"
    DATETIME = "datetime"
    SCORE = "score"
    JSON = "json"


#: What each type looks like in a cell (xlsx and CSV alike); rendered into the docs.
TYPE_MEANINGS: dict[ColumnType, str] = {
    ColumnType.INTEGER: "whole number",
    ColumnType.DECIMAL: "number with up to 16 significant digits (`.` as decimal point in CSV)",
    ColumnType.TEXT: "free text (may contain line breaks)",
    ColumnType.CODE: "one value of the column's code list",
    ColumnType.LIST: "several values separated by `; ` (semicolon and space), in a stated order",
    ColumnType.FLAG: "`yes` or `no`",
    ColumnType.DATE: "ISO 8601 date `YYYY-MM-DD`, as text",
    ColumnType.DATETIME: "ISO 8601 UTC time `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as text",
    ColumnType.SCORE: "a level 0, 1, 2 or 3 as a number, or the text `cannot judge`; empty when "
    "the criterion was not scored",
    ColumnType.JSON: "a JSON object as text, as recorded (values naming people replaced)",
}

Codes = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    description: str
    codes: Codes = ()


@dataclass(frozen=True)
class Repeated:
    """Columns repeated once per criterion (or principle) of the pack's rubric version(s)."""

    pattern: str  # how the heading is formed, e.g. "<criterion id>"
    type: ColumnType
    description: str
    per: str  # "criterion" or "principle"


@dataclass(frozen=True)
class Table:
    name: str
    rows: str  # what one row is
    columns: tuple[Column, ...]
    repeated: tuple[Repeated, ...] = ()
    #: False for tables that live only as CSV (one row per criterion or per event).
    in_workbook: bool = True
    order: str = ""  # how rows are ordered

    @property
    def file(self) -> str:
        return f"csv/{self.name}.csv"

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def header(self, criteria: Sequence[str] = (), principles: Sequence[str] = ()) -> list[str]:
        """The heading row for a pack whose rubric versions have these criteria/principles."""
        names = list(self.names)
        for group in self.repeated:
            keys = criteria if group.per == "criterion" else principles
            names += [group.pattern.replace(f"<{group.per}>", key) for key in keys]
        return names


def col(name: str, type_: ColumnType, description: str, codes: Codes = ()) -> Column:
    return Column(name, type_, description, codes)


def words(code: str) -> str:
    """A code in words: `approved_with_conditions` -> `Approved with conditions`."""
    text = code.replace("_", " ")
    return text[:1].upper() + text[1:]


def code_list(values: Sequence[str]) -> Codes:
    return tuple((value, words(value)) for value in values)
