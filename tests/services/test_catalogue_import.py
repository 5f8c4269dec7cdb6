"""Catalogue import: round trip, all-or-nothing, partial, idempotent re-import, file formats."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.catalogue import looks_like_formula
from qa.domain.enums import Stage
from qa.domain.errors import InvalidInput
from qa.domain.validation import validate_descriptor
from qa.export.xlsx import write_catalogue_template
from qa.imports.reader import open_catalogue
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, DescriptorVersion, ImportRun, Submission
from qa.services.submissions.catalogue import ImportReport, import_catalogue
from qa.services.submissions.submissions import submit_descriptor
from tests.factories import HEADINGS, catalogue_row, numbered_rows, write_csv, write_xlsx


def run_import(db: Database, actor: Actor, path: Path, today: date, **options: Any) -> ImportReport:
    return import_catalogue(db, actor, open_catalogue(path), today=today, **options)


def count(db: Database, model: type[Any]) -> int:
    with db.session() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_good_catalogue_round_trips_into_sql(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    path = write_xlsx(tmp_path / "cat.xlsx", numbered_rows(good_descriptor, 3))

    report = run_import(provider_db, actor, path, today)

    assert report.applied and (report.created, report.rejected_rows) == (3, set())
    with provider_db.session() as session:
        subs = session.exec(select(Submission).order_by(Submission.external_id)).all()
        assert [s.external_id for s in subs] == ["MC-000000", "MC-000001", "MC-000002"]
        assert all(s.stage == Stage.DRAFT for s in subs)
        stored = session.exec(
            select(DescriptorVersion).where(DescriptorVersion.submission_id == subs[1].id)
        ).one()
    expected = validate_descriptor(
        good_descriptor | {"external_id": "MC-000001", "title": f"{good_descriptor['title']} (1)"},
        today=today,
    )
    assert expected.descriptor is not None
    assert stored.data == expected.descriptor.model_dump(mode="json")
    assert stored.content_hash == expected.descriptor.content_hash()


def test_reimporting_the_same_file_changes_nothing(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    path = write_xlsx(tmp_path / "cat.xlsx", numbered_rows(good_descriptor, 4))
    run_import(provider_db, actor, path, today)
    with provider_db.session() as session:
        before = [(s.id, s.version, s.updated_at) for s in session.exec(select(Submission))]
    audit_before = count(provider_db, AuditEntry)

    again = run_import(provider_db, actor, path, today)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    with provider_db.session() as session:
        after = [(s.id, s.version, s.updated_at) for s in session.exec(select(Submission))]
    assert after == before
    assert count(provider_db, AuditEntry) == audit_before + 1  # only the import run itself


def test_bad_rows_reject_the_whole_file_and_report_every_problem(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 4))
    rows[1]["eqf_level"] = "Level 6"
    rows[2]["workload_ects"] = "0,5"
    rows[2]["issuer_countries"] = "Atlantis"
    rows[3]["title"] = None
    path = write_xlsx(tmp_path / "cat.xlsx", rows)

    report = run_import(provider_db, actor, path, today)

    assert not report.applied
    assert count(provider_db, Submission) == 0
    found = {(p.row, p.column, p.value) for p in report.errors}
    assert found == {
        (3, "eqf_level", "Level 6"),
        (4, "workload_ects", "0,5"),
        (4, "issuer_countries", "Atlantis"),
        (5, "title", ""),
    }
    reasons = {p.column: p.reason for p in report.errors}
    assert "decimal point: 0.5" in reasons["workload_ects"]
    assert "two-letter country code such as PT" in reasons["issuer_countries"]
    with provider_db.session() as session:
        run = session.exec(select(ImportRun)).one()
    assert (run.outcome, run.rejected, len(run.problems)) == ("rejected", 3, 4)


def test_partial_import_writes_only_the_good_rows(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 3))
    rows[1]["assessment_type"] = "attendance"
    path = write_xlsx(tmp_path / "cat.xlsx", rows)

    report = run_import(provider_db, actor, path, today, partial=True)

    assert report.applied and report.created == 2 and report.rejected_rows == {3}
    with provider_db.session() as session:
        ids = sorted(str(s.external_id) for s in session.exec(select(Submission)))
    assert ids == ["MC-000000", "MC-000002"]


def test_changed_rows_update_drafts_with_before_and_after(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 2))
    run_import(provider_db, actor, write_xlsx(tmp_path / "a.xlsx", rows), today)
    rows[0]["workload_ects"] = 6
    rows[0]["workload_hours"] = 160

    report = run_import(provider_db, actor, write_xlsx(tmp_path / "b.xlsx", rows), today)

    assert (report.updated, report.unchanged) == (1, 1)
    with provider_db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "submission.draft_updated")
        ).one()
    assert entry.before is not None and entry.after is not None
    assert (entry.before["workload_ects"], entry.after["workload_ects"]) == (5.0, 6.0)
    assert set(entry.after) == {"content_hash", "workload_ects", "workload_hours"}


def test_a_submitted_credential_is_not_changed_by_an_import(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 1))
    run_import(provider_db, actor, write_xlsx(tmp_path / "a.xlsx", rows), today)
    with provider_db.session() as session:
        sub = session.exec(select(Submission)).one()
    assert sub.id is not None
    submit_descriptor(provider_db, actor, sub.id, expected_version=sub.version, today=today)
    rows[0]["title"] = "A new title"

    report = run_import(provider_db, actor, write_xlsx(tmp_path / "b.xlsx", rows), today)

    assert not report.applied
    assert "revision round" in report.errors[0].reason
    with provider_db.session() as session:
        assert session.exec(select(Submission)).one().title == sub.title


@pytest.mark.parametrize(
    ("headings", "column", "reason"),
    [
        ([*HEADINGS, "eqf level"], "eqf level", "did you mean eqf_level?"),
        ([h for h in HEADINGS if h != "qa_type"], "qa_type", "required column is missing"),
        ([*HEADINGS, "title"], "title", "appears twice"),
    ],
    ids=["unknown", "missing", "duplicate"],
)
def test_structural_problems_reject_the_file_even_in_partial_mode(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
    headings: list[str],
    column: str,
    reason: str,
) -> None:
    path = write_xlsx(tmp_path / "cat.xlsx", numbered_rows(good_descriptor, 2), headings)

    report = run_import(provider_db, actor, path, today, partial=True)

    assert not report.applied and count(provider_db, Submission) == 0
    assert any(p.column == column and reason in p.reason for p in report.errors)


def test_unknown_provider_and_duplicate_codes_are_row_errors(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 3))
    rows[1]["provider"] = "NOPE"
    rows[2]["external_id"] = rows[0]["external_id"]
    report = run_import(
        provider_db, actor, write_xlsx(tmp_path / "c.xlsx", rows), today, partial=True
    )
    reasons = {(p.row, p.column): p.reason for p in report.errors}
    assert "no provider institution with code 'NOPE'" in reasons[(3, "provider")]
    assert reasons[(4, "external_id")] == "the same code is already used in row 2"
    assert report.created == 1


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8")]
)
def test_csv_catalogues_in_excel_dialects(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
    delimiter: str,
    encoding: str,
) -> None:
    path = write_csv(
        tmp_path / "cat.csv",
        numbered_rows(good_descriptor, 2),
        delimiter=delimiter,
        encoding=encoding,
    )
    report = run_import(provider_db, actor, path, today)
    assert report.applied and report.created == 2, report.problems
    with provider_db.session() as session:
        titles = sorted(s.title for s in session.exec(select(Submission)))
    assert titles[0] == "Applied Data Analysis with Python (0)"


def test_blank_rows_are_skipped_and_row_numbers_match_the_sheet(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    good = list(numbered_rows(good_descriptor, 2))
    bad = catalogue_row(good_descriptor, external_id="X", eqf_level=9)
    path = write_xlsx(tmp_path / "c.xlsx", [good[0], {}, good[1], {}, bad])
    report = run_import(provider_db, actor, path, today)
    assert report.rows == 3
    assert [(p.row, p.column) for p in report.errors] == [(6, "eqf_level")]


def test_template_has_headings_drop_downs_and_notes_and_imports_when_filled(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    template = tmp_path / "template.xlsx"
    write_catalogue_template(template)
    workbook = load_workbook(template)
    sheet = workbook["Catalogue"]
    assert [c.value for c in sheet[1]] == HEADINGS
    validated = {str(dv.sqref).split(":")[0] for dv in sheet.data_validations.dataValidation}
    column_of = {str(c.value): get_column_letter(n) for n, c in enumerate(sheet[1], start=1)}
    for key in (
        "eqf_level",
        "assessment_type",
        "participation_form",
        "qa_type",
        "supervision",
        "stackability",
        "qf_ehea_cycle",
    ):
        assert f"{column_of[key]}2" in validated, key
    notes = {row[0].value: row for row in workbook["Notes"].iter_rows(min_row=2)}
    assert set(notes) == set(HEADINGS)
    assert notes["learning_outcomes"][4].value == "separate with ;"
    for n, row in enumerate(numbered_rows(good_descriptor, 2), start=2):
        for key, value in row.items():
            sheet[f"{column_of[key]}{n}"] = value
    workbook.save(template)

    report = run_import(provider_db, actor, template, today)

    assert report.applied and report.created == 2, report.problems


def test_unreadable_files_give_a_clear_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(InvalidInput, match=r"not a readable \.xlsx"):
        open_catalogue(fake)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("title\nPolit\xe9cnico\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match="not UTF-8"):
        open_catalogue(latin)
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(InvalidInput, match=r"save the spreadsheet as \.xlsx"):
        open_catalogue(old)
    with pytest.raises(InvalidInput, match="does not exist"):
        open_catalogue(tmp_path / "missing.csv")


def test_a_huge_csv_cell_rejects_the_file_cleanly(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 2))
    rows[1]["title"] = "x" * (10 * 1024 * 1024)
    path = write_csv(tmp_path / "huge.csv", rows)
    with pytest.raises(InvalidInput, match="a cell is longer than 131,072 characters"):
        run_import(provider_db, actor, path, today)
    assert count(provider_db, Submission) == 0


def test_a_huge_xlsx_cell_is_a_row_error(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 2))
    rows[1]["learning_outcomes"] = "y" * 32_000  # Excel's own cell limit is 32,767
    report = run_import(provider_db, actor, write_xlsx(tmp_path / "big.xlsx", rows), today)
    assert not report.applied
    assert [(p.row, p.column) for p in report.errors] == [(3, "learning_outcomes")]
    assert "too long (32,000 characters; at most 2,000)" in report.errors[0].reason


def test_a_dry_run_checks_everything_and_writes_nothing(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    path = write_xlsx(tmp_path / "cat.xlsx", numbered_rows(good_descriptor, 3))
    report = run_import(provider_db, actor, path, today, dry_run=True)
    assert (report.applied, report.created, report.outcome) == (False, 3, "dry_run")
    assert count(provider_db, Submission) == 0


def test_a_rejected_import_records_no_row_as_new_updated_or_unchanged(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 2))
    run_import(provider_db, actor, write_xlsx(tmp_path / "a.xlsx", rows), today)
    rows[0]["workload_hours"] = 140  # would update
    rows.append(catalogue_row(good_descriptor, external_id="NEW-1", title="New"))  # would create
    rows.append(catalogue_row(good_descriptor, external_id="BAD-1", eqf_level=9))

    report = run_import(provider_db, actor, write_xlsx(tmp_path / "b.xlsx", rows), today)

    assert (report.outcome, report.created, report.updated, report.unchanged) == (
        "rejected",
        0,
        0,
        0,
    )
    with provider_db.session() as session:
        run = session.exec(select(ImportRun).order_by(col(ImportRun.id).desc())).first()
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "catalogue.rejected")
        ).one()
    assert run is not None
    assert (run.rows, run.created, run.updated, run.unchanged, run.rejected) == (4, 0, 0, 0, 1)
    assert entry.after is not None
    assert (entry.after["created"], entry.after["updated"], entry.after["unchanged"]) == (0, 0, 0)
    assert count(provider_db, Submission) == 2


def test_a_dry_run_reports_what_would_happen_but_records_nothing_as_written(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    path = write_xlsx(tmp_path / "cat.xlsx", numbered_rows(good_descriptor, 2))
    report = run_import(provider_db, actor, path, today, dry_run=True)
    assert report.created == 2
    with provider_db.session() as session:
        run = session.exec(select(ImportRun)).one()
    assert (run.outcome, run.created) == ("dry_run", 0)


def test_problems_name_the_rows_external_id(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 3))
    rows[1]["eqf_level"] = "Level 6"
    rows[2]["external_id"] = None
    rows[2]["qa_type"] = "nonsense"
    report = run_import(provider_db, actor, write_xlsx(tmp_path / "c.xlsx", rows), today)
    found = {(p.row, p.external_id, p.column) for p in report.errors}
    assert (3, "MC-000001", "eqf_level") in found
    assert (4, "", "qa_type") in found and (4, "", "external_id") in found
    with provider_db.session() as session:
        run = session.exec(select(ImportRun)).one()
    assert {"row": 3, "external_id": "MC-000001", "column": "eqf_level"}.items() <= (
        next(p for p in run.problems if p["column"] == "eqf_level").items()
    )


def test_a_formula_cell_is_reported_as_a_formula_not_as_missing(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    rows = list(numbered_rows(good_descriptor, 3))
    rows[1]["title"] = '=HYPERLINK("https://example.org/mc","Data analysis")'  # a formula cell
    rows[2]["external_id"] = '=CONCAT("MC-","9")'
    path = write_xlsx(tmp_path / "f.xlsx", rows)  # openpyxl writes "=..." strings as formulas

    report = run_import(provider_db, actor, path, today, partial=True)

    assert report.rejected_rows == {3, 4} and report.created == 1
    by_place = {(p.row, p.column): p for p in report.errors}
    assert set(by_place) == {(3, "title"), (4, "external_id")}  # no "Missing: Title"
    title = by_place[(3, "title")]
    assert title.value == rows[1]["title"] and title.external_id == "MC-000001"
    assert "holds a formula" in title.reason and "Paste Special > Values" in title.reason
    with provider_db.session() as session:
        assert [s.external_id for s in session.exec(select(Submission))] == ["MC-000000"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_formula_like_text_is_stored_as_text_and_warned_about(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
    kind: str,
) -> None:
    rows = list(numbered_rows(good_descriptor, 2))
    rows[0]["title"] = "=1+1 Data analysis"
    rows[1]["prerequisites"] = "@SUM(A1) basic statistics"
    rows[1]["nqf_level"] = "-6"  # a number, not a formula: no warning
    if kind == "csv":
        path = write_csv(tmp_path / "t.csv", rows)
    else:
        workbook = Workbook()
        sheet = workbook.active
        assert sheet is not None
        sheet.title = "Catalogue"
        sheet.append(HEADINGS)
        for row in rows:
            sheet.append([row.get(h) for h in HEADINGS])
        for cell in (*sheet["A"], *sheet[2], *sheet[3]):
            if isinstance(cell.value, str) and cell.value[:1] in "=@":
                cell.data_type = "s"  # typed as text ('=1+1), not a formula
        path = tmp_path / "t.xlsx"
        workbook.save(path)

    report = run_import(provider_db, actor, path, today)

    assert report.applied and report.created == 2, report.errors
    warned = {(p.row, p.column, p.external_id) for p in report.warnings if "formula" in p.reason}
    assert warned == {(2, "title", "MC-000000"), (3, "prerequisites", "MC-000001")}
    with provider_db.session() as session:
        titles = {s.external_id: s.title for s in session.exec(select(Submission))}
    assert titles["MC-000000"] == "=1+1 Data analysis"


@pytest.mark.parametrize(
    ("value", "formula_like"),
    [
        ("=A1", True),
        ("+CMD|' /C calc'!A0", True),
        ("- bullet point", True),
        ("@SUM(1)", True),
        ("  =A1", True),
        ("-1", False),
        ("+2.5", False),
        ("-", False),
        ("a = b", False),
        (5, False),
        (None, False),
    ],
)
def test_what_looks_like_a_formula(value: object, formula_like: bool) -> None:
    assert looks_like_formula(value) is formula_like


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv is empty (0 bytes)"),
        ("empty.xlsx", b"", "empty.xlsx is empty (0 bytes)"),
        ("text.xlsx", b"external_id,title\nA,B\n", "it holds plain text (if it is a CSV"),
        ("old.xlsx", b"\xd0\xcf\x11\xe0" + bytes(100), "old-format .xls workbook"),
        ("noise.xlsx", bytes(range(256)) * 4, "its content is not a spreadsheet"),
        ("zipped.csv", b"PK\x03\x04" + bytes(100), "is an Excel workbook, not CSV text"),
        ("nul.csv", b"external_id,title\nA\x00B,c\n", "line 2 holds binary data"),
    ],
)
def test_files_that_are_not_catalogues_say_what_they_are(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=re.escape(message)):
        open_catalogue(path)


def test_a_damaged_workbook_is_reported_not_raised_from_the_parser(
    provider_db: Database,
    actor: Actor,
    tmp_path: Path,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", numbered_rows(good_descriptor, 3))
    with zipfile.ZipFile(good) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    for part in ("xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"):
        damaged = tmp_path / f"damaged-{part.replace('/', '-')}.xlsx"
        with zipfile.ZipFile(damaged, "w") as target:
            for filename, data in parts.items():
                target.writestr(filename, data[: len(data) // 2] if filename == part else data)
        with pytest.raises(InvalidInput) as raised, open_catalogue(damaged) as catalogue:
            import_catalogue(provider_db, actor, catalogue, today=today)
        assert re.fullmatch(
            rf"{damaged.name} is not a readable \.xlsx workbook: it is damaged or incomplete: .+"
            rf"|{damaged.name}: the workbook is damaged after row \d+ \(.+\)",
            str(raised.value),
        ), str(raised.value)
    assert count(provider_db, Submission) == 0
