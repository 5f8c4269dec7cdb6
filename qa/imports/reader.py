"""Stream catalogue rows out of .xlsx (openpyxl read-only) and .csv files."""

from __future__ import annotations

import csv
import hashlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from qa.domain.catalogue import UNHEADED, CatalogueFile, CatalogueRow, normalise_heading
from qa.domain.errors import InvalidInput

SHEET_NAME = "Catalogue"


def open_catalogue(path: Path) -> CatalogueFile:
    """Read the heading row now; the rows stream lazily when iterated."""
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        headings, rows = _xlsx(path)
    elif suffix == ".csv":
        headings, rows = _csv(path)
    elif suffix in {".xls", ".ods"}:
        raise InvalidInput(
            f"{path.name}: save the spreadsheet as .xlsx (Excel workbook) or .csv (UTF-8) first"
        )
    else:
        raise InvalidInput(f"{path.name}: a catalogue must be an .xlsx or .csv file")
    return CatalogueFile(path.name, _sha256(path), headings, rows)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _xlsx(path: Path) -> tuple[list[str], Iterator[CatalogueRow]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InvalidInput(f"{path.name} is not a readable .xlsx workbook ({exc})") from exc
    sheet = workbook[SHEET_NAME] if SHEET_NAME in workbook.sheetnames else workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    first = next(values, None)
    headings = [normalise_heading(v) for v in first or ()]
    while headings and not headings[-1]:
        headings.pop()

    def rows() -> Iterator[CatalogueRow]:
        try:
            for number, row in enumerate(values, start=2):
                cells = _cells(headings, row)
                if cells is not None:
                    yield CatalogueRow(number, cells)
        finally:
            workbook.close()

    return headings, rows()


def _csv(path: Path) -> tuple[list[str], Iterator[CatalogueRow]]:
    raw = path.read_bytes()[:65536]
    try:
        head = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(raw) < 65536 or exc.start < 65530:
            raise InvalidInput(f"{path.name} is not UTF-8 text; save it as 'CSV UTF-8'") from exc
        head = raw[: exc.start].decode("utf-8-sig")
    first_line = head.splitlines()[0] if head else ""
    delimiter = max((",", ";", "\t"), key=first_line.count)
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        headings = [normalise_heading(v) for v in next(reader, [])]
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise InvalidInput(f"{path.name}: the heading row cannot be read ({exc})") from exc

    def rows() -> Iterator[CatalogueRow]:
        with handle:
            try:
                for number, row in enumerate(reader, start=2):
                    cells = _cells(headings, row)
                    if cells is not None:
                        yield CatalogueRow(number, cells)
            except UnicodeDecodeError as exc:
                raise InvalidInput(
                    f"{path.name} after line {reader.line_num} is not UTF-8; save it as 'CSV UTF-8'"
                ) from exc
            except csv.Error as exc:
                reason = (
                    f"a cell is longer than {csv.field_size_limit():,} characters"
                    if "field larger" in str(exc)
                    else str(exc)
                )
                raise InvalidInput(f"{path.name} line {reader.line_num}: {reason}") from exc

    return headings, rows()


def _cells(headings: list[str], row: tuple[Any, ...] | list[str]) -> dict[str, Any] | None:
    """Map a row onto the headings; `None` for a row with nothing in it."""
    if all(value is None or (isinstance(value, str) and not value.strip()) for value in row):
        return None
    cells = {
        heading: row[i] if i < len(row) else None for i, heading in enumerate(headings) if heading
    }
    extra = [value for value in row[len(headings) :] if value not in (None, "")]
    if extra:
        cells[UNHEADED] = extra[0]
    return cells
