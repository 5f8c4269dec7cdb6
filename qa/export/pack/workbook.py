"""The workbook side of a pack: openpyxl write-only sheets, in this process or a helper one.

Writing a workbook cell costs far more than a CSV cell, so a large pack hands its workbook
rows to a helper process (`python -m qa.export.pack.workbook`) that runs this same code while
the building process reads the database and writes the CSV files: the two halves use two
cores. Rows go over a pipe in batches (the pipe's size bounds memory); the output is the same
bytes either way. A sheet that would pass Excel's row limit continues on "<table> (2)".
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.writer.excel import ExcelWriter

from qa.export.pack.zipfiles import FixedZip, zip_time

EXCEL_MAX_ROWS = 1_048_576  # including the heading row
EXCEL_MAX_TEXT = 32_767
TRUNCATED = " … [truncated in the workbook; the full text is in the CSV twin]"
BATCH_ROWS = 500
_BOLD = Font(bold=True)
_FRAME = struct.Struct("!I")


def _fit(cells: list[Any]) -> list[Any]:
    if not any(type(v) is str and len(v) > EXCEL_MAX_TEXT for v in cells):
        return cells
    return [
        v[: EXCEL_MAX_TEXT - len(TRUNCATED)] + TRUNCATED
        if type(v) is str and len(v) > EXCEL_MAX_TEXT
        else v
        for v in cells
    ]


class Book:
    """The workbook, written in this process."""

    def __init__(self, tables: Sequence[tuple[str, list[str]]], *, title: str, moment: datetime):
        self.moment = moment
        self.workbook = Workbook(write_only=True)
        stamp = moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)
        props = self.workbook.properties
        props.created = props.modified = stamp
        props.creator = props.lastModifiedBy = "qa-microcredentials"
        props.title = title
        self.order = [name for name, _ in tables]
        self.headers = dict(tables)
        self.sheets: dict[str, list[str]] = {name: [] for name in self.order}
        self._current: dict[str, WriteOnlyWorksheet] = {}
        self._rows: dict[str, int] = {}
        for name in self.order:
            self._new_sheet(name)

    def _new_sheet(self, table: str) -> None:
        count = len(self.sheets[table])
        name = table if not count else f"{table} ({count + 1})"
        sheet = self.workbook.create_sheet(name)
        assert isinstance(sheet, WriteOnlyWorksheet)
        sheet.freeze_panes = "A2"
        heading = []
        for text in self.headers[table]:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = _BOLD
            heading.append(cell)
        sheet.append(heading)
        self.sheets[table].append(name)
        self._current[table], self._rows[table] = sheet, 0

    def append(self, table: str, cells: list[Any]) -> None:
        if self._rows[table] >= EXCEL_MAX_ROWS - 1:
            self._new_sheet(table)
        self._current[table].append(_fit(cells))
        self._rows[table] += 1

    def finish(self, path: Path) -> dict[str, list[str]]:
        """Save with fixed zip metadata; the sheets of each table, in workbook order."""
        order = [name for table in self.order for name in self.sheets[table]]
        for position, name in enumerate(order):
            current = [sheet.title for sheet in self.workbook.worksheets].index(name)
            if current != position:
                self.workbook.move_sheet(name, position - current)
        ExcelWriter(self.workbook, FixedZip(path, zip_time(self.moment))).save()
        return self.sheets

    def abort(self) -> None:
        for sheet in self.workbook.worksheets:
            assert isinstance(sheet, WriteOnlyWorksheet)
            if not sheet.closed:
                sheet.close()
            kept = getattr(sheet, "_writer", None)  # openpyxl keeps each sheet in a temp file
            if kept is not None:
                kept.cleanup()


# -- the helper process -----------------------------------------------------------------------


def _send(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)) + data)


def _receive(stream: IO[bytes]) -> Any:
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        raise EOFError("the other side of the workbook pipe went away")
    (size,) = _FRAME.unpack(head)
    return pickle.loads(stream.read(size))  # noqa: S301 - our own process's frames


class BookProcess:
    """The same interface as `Book`, served by a helper process."""

    def __init__(self, tables: Sequence[tuple[str, list[str]]], *, title: str, moment: datetime):
        root = str(Path(__file__).resolve().parents[3])
        env = os.environ | {
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "qa.export.pack.workbook"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._to, self._from = self._process.stdin, self._process.stdout
        self._batch: list[tuple[str, list[Any]]] = []
        _send(self._to, ("start", list(tables), title, moment))

    def append(self, table: str, cells: list[Any]) -> None:
        self._batch.append((table, cells))
        if len(self._batch) >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            _send(self._to, ("rows", self._batch))
            self._batch = []

    def finish(self, path: Path) -> dict[str, list[str]]:
        self._flush()
        _send(self._to, ("finish", str(path)))
        self._to.close()
        try:
            outcome, value = _receive(self._from)
        finally:
            self._from.close()
            self._process.wait()
        if outcome != "done":
            raise RuntimeError(f"the workbook process failed: {value}")
        sheets: dict[str, list[str]] = value
        return sheets

    def abort(self) -> None:
        try:
            _send(self._to, ("abort",))
            self._to.close()
        except (BrokenPipeError, ValueError):
            pass
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._from.close()


def serve(source: IO[bytes], reply: IO[bytes]) -> None:
    """The helper process: build the workbook from the frames on `source`."""
    _, tables, title, moment = _receive(source)
    book = Book(tables, title=title, moment=moment)
    try:
        while True:
            message = _receive(source)
            if message[0] == "rows":
                for table, cells in message[1]:
                    book.append(table, cells)
            elif message[0] == "finish":
                sheets = book.finish(Path(message[1]))
                _send(reply, ("done", sheets))
                return
            else:
                book.abort()
                return
    except BaseException as exc:
        book.abort()
        _send(reply, ("failed", f"{type(exc).__name__}: {exc}"))
        raise


if __name__ == "__main__":  # pragma: no cover - run by BookProcess
    serve(sys.stdin.buffer, sys.stdout.buffer)
    sys.stdout.buffer.flush()
