"""Catalogue import: round trip, all-or-nothing, partial, idempotent re-import, file formats."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func
from sqlmodel import select

from qa.domain.actor import Actor
from qa.domain.enums import Stage
from qa.domain.errors import InvalidInput
from qa.domain.validation import validate_descriptor
from qa.export.xlsx import write_catalogue_template
from qa.imports.reader import open_catalogue
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, DescriptorVersion, ImportRun, Submission
from qa.services.catalogue import ImportReport, import_catalogue
from qa.services.submissions import submit_descriptor
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
    assert "ISO 3166-1" in reasons["issuer_countries"]
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
