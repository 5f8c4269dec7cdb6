"""Stream catalogue rows out of .xlsx (openpyxl read-only) and .csv files.

Any file can arrive here: truncated, empty, random bytes, a workbook renamed to .csv. Every
such file ends in one `InvalidInput` naming the file and what to do, never in a parser's
own exception (openpyxl raises a zoo of them on malformed workbooks, so its calls are
guarded broadly: a workbook that cannot be parsed is, to the user, simply not readable).
"""

from __future__ import annotations

import csv
import hashlib
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from qa.domain.catalogue import (
    UNHEADED,
    CatalogueFile,
    CatalogueRow,
    FormulaCell,
    normalise_heading,
)
from qa.domain.errors import InvalidInput

SHEET_NAME = "Catalogue"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls format
SNIFF_BYTES = 65536


def open_catalogue(path: Path) -> CatalogueFile:
    """Read the heading row now; the rows stream lazily when iterated."""
    if not path.is_file():
        raise InvalidInput(f"{path} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix in {".xls", ".ods"}:
        raise InvalidInput(
            f"{path.name}: save the spreadsheet as .xlsx (Excel workbook) or .csv (UTF-8) first"
        )
    if suffix not in {".xlsx", ".csv"}:
        raise InvalidInput(f"{path.name}: a catalogue must be an .xlsx or .csv file")
    try:
        head = _read_head(path)
    except OSError as exc:
        raise InvalidInput(f"{path.name} cannot be read ({exc.strerror or exc})") from exc
    if not head:
        raise InvalidInput(f"{path.name} is empty (0 bytes): nothing to import")
    digest = _sha256(path)
    headings, rows, close = _xlsx(path, head) if suffix == ".xlsx" else _csv(path, head)
    return CatalogueFile(path.name, digest, headings, rows, close)


def _read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(SNIFF_BYTES)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _not_a_workbook(path: Path, head: bytes) -> str:
    """Why a .xlsx file is not one, with the likely fix."""
    prefix = f"{path.name} is not a readable .xlsx workbook"
    if head.startswith(OLE_MAGIC):
        return f"{prefix}: it is an old-format .xls workbook; save it as .xlsx (Excel workbook)"
    if not head.startswith(ZIP_MAGIC):
        try:
            head.decode("utf-8-sig")
        except UnicodeDecodeError:
            return f"{prefix}: its content is not a spreadsheet"
        return f"{prefix}: it holds plain text (if it is a CSV file, name it .csv)"
    return f"{prefix}: it is damaged or incomplete"


Opened = tuple[list[str], Iterator[CatalogueRow], Callable[[], None]]


def _xlsx(path: Path, head: bytes) -> Opened:
    if not head.startswith(ZIP_MAGIC):
        raise InvalidInput(_not_a_workbook(path, head))
    # The file is ours to close: openpyxl leaves its zip open when the workbook cannot be
    # parsed (and, read-only, until the sheet's reader is closed too).
    handle = path.open("rb")
    try:
        # data_only=False: a formula must be seen as a formula, not as its (maybe absent)
        # cached result; reading cells (not values) tells formulas from text starting with =.
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except Exception as exc:  # any parser failure means the same thing: not readable
        handle.close()
        raise InvalidInput(f"{_not_a_workbook(path, head)}: {_reason(exc)}") from exc
    weakref.finalize(workbook, handle.close)  # a catalogue never closed: when it is collected
    try:
        if SHEET_NAME in workbook.sheetnames:
            cells = workbook[SHEET_NAME].iter_rows()
        elif workbook.worksheets:
            cells = workbook.worksheets[0].iter_rows()
        else:
            raise InvalidInput(f"{path.name} has no worksheet")
        first = next(cells, None)
        headings = [normalise_heading(_value(cell)) for cell in first or ()]
    except InvalidInput:
        workbook.close()
        handle.close()
        raise
    except Exception as exc:
        workbook.close()
        handle.close()
        raise InvalidInput(f"{_not_a_workbook(path, head)}: {_reason(exc)}") from exc
    while headings and not headings[-1]:
        headings.pop()

    def rows() -> Iterator[CatalogueRow]:
        number = 1
        try:
            for number, row in enumerate(cells, start=2):
                values = _cells(headings, [_value(cell) for cell in row])
                if values is not None:
                    yield CatalogueRow(number, values)
        except Exception as exc:
            raise InvalidInput(
                f"{path.name}: the workbook is damaged after row {number} "
                f"(rows from there on cannot be read: {_reason(exc)})"
            ) from exc
        finally:
            close()

    def close() -> None:
        cells.close()
        workbook.close()
        handle.close()

    return headings, rows(), close


def _value(cell: Any) -> Any:
    """A cell's value; a formula becomes a `FormulaCell` (reported, never imported)."""
    value = getattr(cell, "value", None)
    if getattr(cell, "data_type", None) == "f":
        return FormulaCell(value if isinstance(value, str) else str(getattr(value, "text", "")))
    return value


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _csv(path: Path, head: bytes) -> Opened:
    if head.startswith(ZIP_MAGIC):
        raise InvalidInput(
            f"{path.name} is an Excel workbook, not CSV text: name it .xlsx, or save it "
            "as 'CSV UTF-8'"
        )
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if len(head) < SNIFF_BYTES or exc.start < SNIFF_BYTES - 6:
            raise InvalidInput(f"{path.name} is not UTF-8 text; save it as 'CSV UTF-8'") from exc
        text = head[: exc.start].decode("utf-8-sig")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InvalidInput(
            f"{path.name} line {line} holds binary data (a NUL byte): it is not CSV text"
        )
    first_line = text.splitlines()[0] if text else ""
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
                    if any("\x00" in value for value in row):
                        raise InvalidInput(
                            f"{path.name} line {reader.line_num} holds binary data "
                            "(a NUL byte): it is not CSV text"
                        )
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

    return headings, rows(), handle.close


def _cells(headings: list[str], row: list[Any]) -> dict[str, Any] | None:
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
