"""`qa audit seal|verify` as an operator meets it, including a trail edited behind our back."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from tests.cli.test_cli import qa  # noqa: F401 - the shared `qa` runner fixture


def test_verify_seals_nothing_itself_and_reports_the_first_broken_link(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    code, out, _ = qa("audit", "verify")
    assert code == 0 and "not sealed yet" in out and "ok: 0 entries" in out
    code, out, _ = qa("audit", "seal")
    assert code == 0 and out.startswith("sealed ")
    sealed = int(out.split()[1])
    code, out, _ = qa("audit", "verify")
    assert code == 0 and f"ok: {sealed} entries chained" in out and "0 not sealed" in out

    with sqlite3.connect(tmp_path / "data" / "qa.sqlite3") as connection:
        connection.execute("UPDATE audit_entry SET action = 'nothing happened' WHERE seq = 1")
    code, _, err = qa("audit", "verify")
    assert code == 1
    assert "BROKEN" in err and "chain position 1" in err and "content was changed" in err


def test_verify_pack_refuses_a_missing_file(qa: Any, tmp_path: Path) -> None:  # noqa: F811
    code, _, err = qa("audit", "verify-pack", str(tmp_path / "nope.zip"))
    assert code == 2 and "no such file" in err


def test_export_pack_writes_a_pack_that_verify_pack_accepts(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    out = tmp_path / "pack.zip"
    code, stdout, _ = qa(
        "export", "pack", "--from", "2026-01-01", "--to", "2026-12-31", "--out", str(out)
    )
    assert code == 0 and out.is_file()
    assert f"wrote {out}" in stdout and "sha256 " in stdout and "audit chain head " in stdout
    code, stdout, _ = qa("audit", "verify-pack", str(out))
    assert code == 0 and "matches its manifest" in stdout
    with zipfile.ZipFile(out, "a") as archive:  # tamper: add a file the manifest does not list
        archive.writestr("extra.csv", "a,b\n")
    code, _, err = qa("audit", "verify-pack", str(out))
    assert code == 1 and "BROKEN" in err and "extra.csv" in err


def test_export_pack_explains_a_bad_date(qa: Any, tmp_path: Path) -> None:  # noqa: F811
    assert qa("init")[0] == 0
    code, _, err = qa(
        "export",
        "pack",
        "--from",
        "2026-13-01",
        "--to",
        "2026-12-31",
        "--out",
        str(tmp_path / "p.zip"),
    )
    assert code == 2 and "--from: write the date as YYYY-MM-DD" in err
