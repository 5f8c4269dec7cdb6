"""`qa import reviewers` and `qa import assignments`: every error by row, then all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qa.cli import main


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
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


def test_import_reviewers_names_each_bad_row_and_imports_nothing(qa: Any, tmp_path: Path) -> None:
    qa("init")
    for name in ("mariam", "tomas"):
        qa(
            "users",
            "add",
            name,
            "--email",
            f"{name}@example.org",
            "--name",
            name.title(),
            "--role",
            "reviewer",
        )
    bad = tmp_path / "reviewers.csv"
    bad.write_text(
        "Username,expertise,languages,max_load\n"
        "mariam,0613,en;de,4\n"
        "tomas,06x3,en,4\n"
        "nobody,0613,en,4\n",
        encoding="utf-8",
    )
    code, out, err = qa("import", "reviewers", str(bad))
    assert code == 2, out + err
    assert "row 3, expertise" in err and "row 4, username: no reviewer 'nobody'" in err
    good = tmp_path / "good.csv"
    good.write_text("username,expertise,languages,max_load\nmariam,0613,en;de,4\n", "utf-8")
    code, out, err = qa("import", "reviewers", str(good))
    assert code == 0, err
    assert "1 reviewer profile(s) saved" in out


def test_import_assignments_refuses_a_file_with_errors(qa: Any, tmp_path: Path) -> None:
    qa("init")
    sheet = tmp_path / "bulk.csv"
    sheet.write_text("file,reviewer,action\n12,mariam,invite\n", encoding="utf-8")
    code, _, err = qa("import", "assignments", str(sheet))
    assert code == 2
    assert "row 2: there is no file '12'; there is no active reviewer 'mariam'" in err
    missing = tmp_path / "missing.csv"
    missing.write_text("file,who\n1,x\n", encoding="utf-8")
    code, _, err = qa("import", "assignments", str(missing))
    assert code == 2 and "missing column(s) reviewer, action" in err


def test_assign_round_proposes_then_applies_for_the_demo_intake(qa: Any) -> None:
    assert qa("demo")[0] == 0
    code, out, err = qa("assign-round", "--panel", "4")
    assert code == 0, err
    assert "(already on the panel)" in out and "affinity " in out
    new = int(out.rsplit("\n", 2)[-2].split(" new invitation")[0])
    assert new > 0
    code, out, err = qa("assign-round", "--panel", "4", "--apply")
    assert code == 0, err
    assert f"{new} invitation(s) sent in one transaction" in out
    code, out, _ = qa("assign-round", "--panel", "4")
    assert "0 new invitation(s)" in out  # the panels are full now
