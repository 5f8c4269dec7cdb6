"""Cells made inert, numbers written alike in both copies, long sheets continued, fixed zips."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZipFile

import pytest
from openpyxl import load_workbook

from qa.export.pack import workbook as workbook_module
from qa.export.pack.contract import REVIEW_TRAIL
from qa.export.pack.workbook import TRUNCATED
from qa.export.pack.writer import PackWriter, csv_text, inert

MOMENT = datetime(2026, 5, 17, 9, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+31 6 1234", "'+31 6 1234"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tindented", "'\tindented"),
        ("\rreturn", "'\rreturn"),
        ("'quoted'", "''quoted'"),  # an apostrophe is escaped too: unambiguous to undo
        ("plain = text", "plain = text"),
        ("bell\x07and\x00nul", "bell\ufffdand\ufffdnul"),
        (True, "yes"),
        (False, "no"),
        (-3, -3),
        (2.5, 2.5),
        (None, None),
    ],
)
def test_inert_cells(value: object, expected: object) -> None:
    assert inert(value) == expected


def test_numbers_are_written_as_the_workbook_holds_them() -> None:
    assert [csv_text(v) for v in (None, 3, 5.0, 2.8, 1 / 3)] == [
        "",
        "3",
        "5",
        "2.8",
        "0.3333333333333333",
    ]


def _writer(folder: Path, *, helper: bool = False) -> PackWriter:
    return PackWriter(
        folder,
        criteria=["QUAL-1"],
        principles=["QUAL"],
        generated_at=MOMENT,
        title="t",
        scrub=lambda text: text,
        helper=helper,
    )


def _trail_row(n: int, text: str = "x") -> list[object]:
    return [n, "2026-01-01T00:00:00.000000Z", 1, "R01", "a", "b", "1", None, text, None, None]


def test_a_sheet_at_excels_row_limit_continues_on_a_numbered_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook_module, "EXCEL_MAX_ROWS", 4)  # heading + 3 rows per sheet
    pack = _writer(tmp_path)
    for n in range(7):
        pack[REVIEW_TRAIL.name].append(_trail_row(n))
    pack.finish(tmp_path / "book.xlsx")
    workbook = load_workbook(tmp_path / "book.xlsx", read_only=True)
    names = workbook.sheetnames
    start = names.index("ReviewTrail")
    assert names[start : start + 3] == ["ReviewTrail", "ReviewTrail (2)", "ReviewTrail (3)"]
    assert names[start + 3] == "EvidenceRegister"
    ids = [
        row[0]
        for name in names[start : start + 3]
        for row in workbook[name].iter_rows(min_row=2, values_only=True)
    ]
    workbook.close()
    assert ids == list(range(7))
    with (tmp_path / REVIEW_TRAIL.file).open(encoding="utf-8", newline="") as handle:
        assert len(list(csv.reader(handle))) == 8  # one CSV file, one heading


def test_text_too_long_for_a_cell_is_cut_in_the_workbook_only(tmp_path: Path) -> None:
    pack = _writer(tmp_path)
    long = "a" * 40_000
    pack[REVIEW_TRAIL.name].append(_trail_row(1, long))
    pack.finish(tmp_path / "book.xlsx")
    workbook = load_workbook(tmp_path / "book.xlsx", read_only=True)
    cell = next(workbook["ReviewTrail"].iter_rows(min_row=2, values_only=True))[8]
    workbook.close()
    assert isinstance(cell, str) and len(cell) == 32_767 and cell.endswith(TRUNCATED)
    text = (tmp_path / REVIEW_TRAIL.file).read_text(encoding="utf-8")
    assert long in text


def test_a_row_must_fit_the_heading(tmp_path: Path) -> None:
    pack = _writer(tmp_path)
    with pytest.raises(ValueError, match="row of 2 cells, heading has 11"):
        pack[REVIEW_TRAIL.name].append([1, 2])
    pack.abort()


def test_the_workbook_has_fixed_properties_and_zip_times(tmp_path: Path) -> None:
    books = []
    for name, helper in (("here", False), ("helper", True)):
        folder = tmp_path / name
        folder.mkdir()
        pack = _writer(folder, helper=helper)
        pack[REVIEW_TRAIL.name].append(_trail_row(1, "=1+1"))
        pack.finish(folder / "book.xlsx")
        books.append((folder / "book.xlsx").read_bytes())
    assert books[0] == books[1]
    with ZipFile(io.BytesIO(books[0])) as book:
        assert {info.date_time for info in book.infolist()} == {(2026, 5, 17, 9, 30, 4)}
        core = book.read("docProps/core.xml").decode()
    assert "2026-05-17T09:30:05Z" in core


def test_the_helper_process_writes_the_same_workbook(tmp_path: Path) -> None:
    books = []
    for name, helper in (("here", False), ("helper", True)):
        folder = tmp_path / name
        folder.mkdir()
        pack = _writer(folder, helper=helper)
        for n in range(1200):  # more than one batch
            pack[REVIEW_TRAIL.name].append(_trail_row(n, f"entry {n} é ✓"))
        pack["Agreement"].append(
            ["ALL", "All", "ordinal", 3, 6, 0.25, 0.5, 0.5, None, 0.1, 0.9, 2.5, 2.0, 0.5, 3]
        )
        pack.finish(folder / "book.xlsx")
        assert pack[REVIEW_TRAIL.name].sheets == ["ReviewTrail"]
        books.append((folder / "book.xlsx").read_bytes())
    assert books[0] == books[1]


def test_an_aborted_helper_leaves_nothing_running(tmp_path: Path) -> None:
    pack = _writer(tmp_path, helper=True)
    pack[REVIEW_TRAIL.name].append(_trail_row(1))
    pack.abort()
    assert not (tmp_path / "book.xlsx").exists()
