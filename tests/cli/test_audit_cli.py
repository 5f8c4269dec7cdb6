"""`qa audit seal|verify` as an operator meets it, including a trail edited behind our back."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.cli.test_cli import qa  # noqa: F401 - the shared `qa` runner fixture
from tests.clock import TODAY


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


def _sql(tmp_path: Path, statement: str) -> None:
    """Behind the product's back, straight into the SQLite file."""
    with sqlite3.connect(tmp_path / "data" / "qa.sqlite3") as connection:
        connection.execute(statement)


def test_a_cut_chain_passes_alone_but_fails_against_a_held_head_or_pack(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    code, out, _ = qa("audit", "checkpoint")
    assert code == 0 and out.startswith("checkpoint 1: position ")
    seq, head = out.split("position ")[1].split(",")[0], out.split("hash ")[1].split(",")[0]
    code, out, _ = qa("audit", "checkpoints")
    assert code == 0 and f"1\t{seq}\t{head}\t" in out and "signature ok" in out
    pack = tmp_path / "pack.zip"
    year = (TODAY - timedelta(days=365)).isoformat(), TODAY.isoformat()
    assert qa("export", "pack", "--from", year[0], "--to", year[1], "--out", str(pack))[0] == 0
    code, out, _ = qa("audit", "verify", "--head", f"{seq}:{head}", "--against", str(pack))
    assert code == 0 and "extends all 3 checkpoints" in out

    _sql(tmp_path, "DELETE FROM audit_checkpoint")  # the forger removes the evidence
    _sql(tmp_path, f"DELETE FROM audit_entry WHERE seq > {int(seq) - 2}")
    code, out, _ = qa("audit", "verify")
    assert code == 0  # the chain alone cannot see a cut tail: that is what held heads are for
    code, _, err = qa("audit", "verify", "--against", str(pack))
    assert code == 1 and f"pack.zip checkpoint 1 (position {seq})" in err
    assert f"no entry at position {seq}" in err
    code, _, err = qa("audit", "verify", "--head", f"{seq}:{head}")
    assert code == 1 and f"BROKEN: head {seq}" in err


def test_a_checkpoint_of_another_key_or_a_forged_one_fails_verify(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    assert qa("audit", "checkpoint")[0] == 0
    _sql(tmp_path, "UPDATE audit_checkpoint SET signature = 'AAAA' || substr(signature, 5)")
    code, _, err = qa("audit", "verify")
    assert code == 1 and "checkpoint 1: the signature is not valid" in err
    code, out, _ = qa("audit", "checkpoints")
    assert code == 0 and "signature INVALID" in out


def test_verify_explains_a_bad_head_or_pack_in_one_line(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    code, _, err = qa("audit", "verify", "--head", "12:not-a-hash")
    assert code == 2 and err.startswith("error: --head '12:not-a-hash': write the head as")
    assert "Traceback" not in err
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK not really")
    code, _, err = qa("audit", "verify", "--against", str(garbage))
    assert code == 2 and "garbage.zip: not a readable zip file" in err
    with zipfile.ZipFile(garbage, "w") as archive:
        archive.writestr("checkpoints.json", "{nope")
    code, _, err = qa("audit", "verify", "--against", str(garbage))
    assert code == 2 and "garbage.zip: not a checkpoints document" in err


def test_seal_refuses_to_extend_an_edited_chain(qa: Any, tmp_path: Path) -> None:  # noqa: F811
    assert qa("init")[0] == 0
    assert qa("audit", "seal")[0] == 0
    _sql(tmp_path, "UPDATE audit_entry SET actor_label = 'someone else' WHERE seq = 1")
    assert (
        qa(
            "users",
            "add",
            "late",
            "--role",
            "officer",
            "--email",
            "l@example.org",
            "--name",
            "Late",
        )[0]
        == 0
    )
    code, _, err = qa("audit", "seal")
    assert code == 1 and "REFUSED" in err and "chain position 1" in err
    code, out, err = qa("audit", "verify")
    assert code == 1 and "content was changed" in err and "not sealed yet" not in out


def test_verify_reconciles_the_demo_and_names_a_row_edited_in_sql(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    assert qa("demo")[0] == 0
    code, out, _ = qa("audit", "verify")
    assert code == 0 and "rows equal the replay of" in out
    _sql(tmp_path, "UPDATE score SET level = 0 WHERE id = (SELECT min(id) FROM score)")
    _sql(tmp_path, "UPDATE submission SET stage = 'withdrawn' WHERE id = 1")
    code, _, err = qa("audit", "verify")
    assert code == 1 and "BROKEN: 2 differences between the stored state and the audit trail" in err
    assert "  - score " in err and " level: stored 0, audited " in err
    assert "  - submission 1 stage: stored 'withdrawn', audited " in err
