"""Writing the tables: a UTF-8 CSV file per table and, for workbook tables, a sheet.

Rows go straight to temporary files (the CSV files here, openpyxl's write-only sheets in
`workbook.py`), so memory stays flat however many rows a pack has. Every text cell is made
inert the same way in both copies: characters XML cannot hold become U+FFFD, and text
starting with = + - @ tab or CR gets a leading apostrophe so no spreadsheet runs it as a
formula. Numbers are written to CSV as openpyxl writes them to the workbook.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from qa.export.pack.contract import TABLES
from qa.export.pack.spec import Table
from qa.export.pack.workbook import Book, BookProcess

Cell = str | int | float | None
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: A text cell starting with one of these gets an apostrophe in front; the apostrophe is
#: itself one, so "remove one leading apostrophe" undoes the escape without ambiguity.
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
_FIRST = frozenset(_TRIGGERS)


def inert(value: object) -> Cell:
    """A cell value both copies hold: text neutralised, flags as yes/no."""
    if isinstance(value, str):
        if _ILLEGAL.search(value):
            value = _ILLEGAL.sub("\ufffd", value)
        return "'" + value if value.startswith(_TRIGGERS) else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or isinstance(value, int | float):
        return value
    raise TypeError(f"a pack cell holds text, a number or nothing, not {type(value).__name__}")


def csv_text(value: Cell) -> str:
    """How a cell is written in CSV: numbers as openpyxl writes them to the workbook."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return f"{value:.16g}"


class Sink:
    """One table: its CSV file and, for workbook tables, its rows sent to the workbook."""

    def __init__(
        self,
        table: Table,
        header: list[str],
        folder: Path,
        book: Book | BookProcess | None,
        scrub: Callable[[str], str],
    ) -> None:
        self.table = table
        self._scrub = scrub
        self.header = header
        self.width = len(header)
        self.rows = 0
        self.sheets: list[str] = []
        self.path = folder / table.file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] = self.path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file, lineterminator="\r\n")
        self._csv.writerow(header)
        self._book = book

    def append(self, row: Sequence[Any]) -> None:
        if len(row) != self.width:
            raise ValueError(
                f"{self.table.name}: row of {len(row)} cells, heading has {self.width}"
            )
        cells = list(row)
        plain = True  # no float, so the CSV row is the cells themselves (None writes as "")
        illegal = _ILLEGAL.search
        scrub = self._scrub
        for n, value in enumerate(cells):
            kind = type(value)
            if kind is str:
                # the pseudonymity boundary: no text cell of any sheet leaves unscrubbed
                text = cells[n] = scrub(value)
                # isprintable() is a fast pre-check: text it passes holds no control character
                if text[:1] in _FIRST or (not text.isprintable() and illegal(text)):
                    cells[n] = inert(text)
            elif kind is float:
                plain = False
            elif value is not None and kind is not int:
                cells[n] = inert(value)
        self._csv.writerow(cells if plain else [csv_text(value) for value in cells])
        self.rows += 1
        if self._book is not None:
            self._book.append(self.table.name, cells)

    def close(self) -> None:
        self._file.close()


class PackWriter:
    """All tables of one pack, in contract order, under a temporary folder.

    `helper=True` writes the workbook in a helper process (see `workbook.py`). `scrub` is
    applied to every text cell of every table (the workbook and its CSV twins alike), so a
    new column cannot forget to pseudonymise.
    """

    def __init__(
        self,
        folder: Path,
        *,
        criteria: Sequence[str],
        principles: Sequence[str],
        generated_at: datetime,
        title: str,
        scrub: Callable[[str], str],
        helper: bool = False,
    ) -> None:
        self.folder = folder
        headers = {table.name: table.header(criteria, principles) for table in TABLES}
        in_book = [(t.name, headers[t.name]) for t in TABLES if t.in_workbook]
        kind = BookProcess if helper else Book
        self.book: Book | BookProcess = kind(in_book, title=title, moment=generated_at)
        self.sinks: dict[str, Sink] = {
            table.name: Sink(
                table,
                headers[table.name],
                folder,
                self.book if table.in_workbook else None,
                scrub,
            )
            for table in TABLES
        }

    def __getitem__(self, name: str) -> Sink:
        return self.sinks[name]

    def abort(self) -> None:
        """Close and remove everything written so far (the build failed)."""
        for sink in self.sinks.values():
            sink.close()
        self.book.abort()

    def finish(self, workbook_path: Path) -> None:
        """Close the CSV files and save the workbook; each sink learns its sheets."""
        for sink in self.sinks.values():
            sink.close()
        for name, sheets in self.book.finish(workbook_path).items():
            self.sinks[name].sheets = sheets
