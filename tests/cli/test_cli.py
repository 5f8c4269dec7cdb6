"""The `qa` command as a user meets it: clear output, one-line errors, right exit codes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlmodel import select

from qa.cli import main
from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.migrate import MIGRATIONS
from qa.persistence.models import User
from tests.factories import numbered_rows, write_csv, write_xlsx

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `qa ARGS...` against a fresh data folder; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    monkeypatch.delenv("QA_RUBRICS_DIR", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_init_creates_the_database_rubric_and_an_admin_once(qa: Any) -> None:
    code, out, _ = qa("init")
    assert code == 0
    assert "rubric eu-microcredentials-annex2 1.0.0 (43 criteria" in out
    password = re.search(r"password \(shown once\): (\S+)", out)
    assert password and len(password.group(1)) >= 12
    code, out, _ = qa("init")
    assert code == 0 and "already stored" in out and "administrator already exists" in out
    assert "password" not in out


def test_demo_loads_every_stage_that_exists_and_is_idempotent(qa: Any) -> None:
    code, out, _ = qa("demo")
    assert code == 0 and "20 micro-credentials" in out and "demo-password" in out
    assert qa("demo")[1].count("demo data already loaded") == 1
    _, summary, _ = qa("summary")
    for stage_count in (
        "approved 2",
        "approved_with_conditions 1",
        "draft 5",
        "moderation 1",
        "peer_review 3",
        "revise_and_resubmit 1",
        "screening 2",
        "self_assessment 2",
        "sign_off 2",
        "withdrawn 1",
    ):
        assert stage_count in summary
    assert "outbox messages waiting for routing: 0" in summary
    assert "4 4, 5 4, 6 7, 7 5" in summary


def test_user_mistakes_print_one_clear_line_not_a_traceback(qa: Any, tmp_path: Path) -> None:
    qa("init")
    code, _, err = qa("users", "add", "x", "--email", "bad", "--name", "X", "--role", "boss")
    assert code == 2
    assert err.startswith("error: the user cannot be added")
    assert "Traceback" not in err and "is not an e-mail address" in err
    code, _, err = qa("import", "catalogue", str(tmp_path / "nope.xlsx"))
    assert (code, err.strip()) == (
        2,
        f"error: {tmp_path / 'nope.xlsx'} does not exist or is not a file",
    )
    code, _, err = qa("institutions", "add", "PT-X", "Name", "--country", "PT")
    code, _, err = qa("institutions", "add", "PT-X", "Name", "--country", "PT")
    assert code == 3 and err.strip() == "error: an institution with code 'PT-X' already exists"


def test_rubrics_check_reports_ok_or_every_problem(qa: Any, tmp_path: Path) -> None:
    code, out, _ = qa("rubrics", "check")
    assert code == 0 and out.startswith(
        "ok: eu-microcredentials-annex2 1.0.0: 10 principles, 43 criteria"
    )
    broken = tmp_path / "broken.toml"
    broken.write_text('schema = 1\n[rubric]\nkey = "x"\n', "utf-8")
    code, _, err = qa("rubrics", "check", str(broken))
    assert code == 2 and "problem(s) in rubric files" in err
    assert f"{broken}: principles: is missing or empty" in err


def test_import_catalogue_end_to_end(
    qa: Any, tmp_path: Path, good_descriptor: dict[str, Any]
) -> None:
    qa("init")
    qa(
        "institutions",
        "add",
        "PT-IPVN",
        "Instituto Politécnico do Vale do Neiva",
        "--country",
        "PT",
    )
    rows = list(numbered_rows(good_descriptor, 3))
    rows[2]["eqf_level"] = "Level 6"
    path = write_xlsx(tmp_path / "cat.xlsx", rows)
    report = tmp_path / "problems.csv"

    code, out, err = qa("import", "catalogue", str(path), "--report", str(report))
    assert code == 1
    assert err.splitlines()[0] == (
        "error: rejected cat.xlsx: nothing was written. Fix the rows listed below, "
        "or use --partial to import only the valid rows."
    )
    assert [line for line in (out + err).splitlines() if line.startswith("error")] == [
        err.splitlines()[0]
    ]
    assert (
        "  error   row 4 (MC-000002), eqf_level = 'Level 6': EQF level must be a whole number"
    ) in err
    assert "3 rows, 1 with errors" in out
    assert " new" not in out  # nothing was written, so no row is reported as new
    header, first = report.read_text("utf-8").splitlines()[:2]
    assert header == "row,external_id,column,value,severity,problem"
    assert first.startswith('4,MC-000002,eqf_level,Level 6,error,"EQF level must be')

    code, out, err = qa("import", "catalogue", str(path), "--partial", "--dry-run")
    assert code == 4 and "dry run, nothing written" in out
    assert err.startswith("error: 1 of 3 rows of cat.xlsx would be rejected (the others would")
    code, out, err = qa("import", "catalogue", str(path), "--dry-run")
    assert code == 1 and "dry run, nothing written" in out
    assert err.startswith("error: dry run: cat.xlsx would be rejected: nothing was written.")

    code, out, err = qa("import", "catalogue", str(path), "--partial")
    assert (
        code == 4 and "imported cat.xlsx. 3 rows: 2 new, 0 updated, 0 unchanged, 1 rejected" in out
    )
    assert err.splitlines()[0] == (
        "error: 1 of 3 rows of cat.xlsx were rejected (the others were imported). Fix the "
        "rows listed below and import the file again: rows already imported stay as they are."
    )
    assert err.splitlines()[1].startswith("  error   row 4 (MC-000002), eqf_level = 'Level 6'")
    code, out, _ = qa("import", "catalogue", str(path), "--partial")
    assert code == 4 and "0 new, 0 updated, 2 unchanged, 1 rejected" in out

    rows[2]["eqf_level"] = 6
    code, out, _ = qa("import", "catalogue", str(write_xlsx(path, rows)), "--partial")
    assert code == 0 and "1 new, 0 updated, 2 unchanged, 0 rejected" in out


def test_the_report_file_is_checked_before_anything_is_imported(
    qa: Any, tmp_path: Path, good_descriptor: dict[str, Any]
) -> None:
    qa("init")
    qa("institutions", "add", "PT-IPVN", "Instituto", "--country", "PT")
    path = write_csv(tmp_path / "cat.csv", numbered_rows(good_descriptor, 2))
    original = path.read_bytes()
    for report in (path, tmp_path, tmp_path / "no-such-folder" / "problems.csv"):
        code, out, err = qa("import", "catalogue", str(path), "--report", str(report))
        assert code == 2 and err.startswith(f"error: --report {report}") and out == ""
        assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert path.read_bytes() == original  # the catalogue was not overwritten by its report
    assert "Submissions by stage: none" in qa("summary")[1]


def test_users_add_sets_the_panel_profile_the_officer_panel_ranks_by(qa: Any) -> None:
    qa("init")
    code, out, _ = qa(
        "users", "add", "rita", "--email", "rita@example.org", "--name", "Rita Reviewer",
        "--role", "reviewer", "--panel-role", "Labour_Market",
        "--expertise", "0613", "--expertise", "0612, 0611",
    )  # fmt: skip
    assert code == 0
    assert "panel role labour_market; expertise 0613, 0612, 0611" in out
    db = Database(Settings.from_env().database_url)
    with db.session() as session:
        rita = session.exec(select(User).where(User.username == "rita")).one()
    db.dispose()
    assert (rita.panel_role, rita.expertise) == ("labour_market", ["0613", "0612", "0611"])

    code, _, err = qa(
        "users", "add", "tom", "--email", "tom@example.org", "--name", "Tom",
        "--role", "reviewer", "--panel-role", "chair", "--expertise", "613",
        "--expertise", "abc",
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert err.splitlines() == [
        "error: the user cannot be added",
        "  - expertise '613', 'abc': not ISCED-F 2013 codes (2 to 4 digits, e.g. 06 or 0613)",
        "  - panel role 'chair' is not one of subject_expert, labour_market, learner",
    ]
    assert "tom" not in qa("summary")[1]


def test_template_catalogue_writes_an_xlsx(qa: Any, tmp_path: Path) -> None:
    code, out, _ = qa("template", "catalogue", str(tmp_path / "t"))
    assert code == 0 and (tmp_path / "t.xlsx").is_file() and "t.xlsx" in out


def test_db_upgrade_is_repeatable(qa: Any) -> None:
    code, out, _ = qa("db", "upgrade")
    assert code == 0 and "upgraded from empty" in out
    code, out, _ = qa("db", "upgrade")
    assert "already up to date" in out
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None and head >= "0007"
    assert qa("db", "current")[1].strip() == f"database: {head}; this release: {head}"
