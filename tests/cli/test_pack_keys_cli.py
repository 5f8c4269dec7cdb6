"""Signed packs from the command line, as an office operator and an agency auditor meet them."""

from __future__ import annotations

import json
import os
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_cli import qa  # noqa: F401 - the shared `qa` runner fixture
from tests.clock import TODAY


def _pack(qa: Any, out: Path) -> Any:  # noqa: F811
    return qa(
        "export", "pack", "--from", f"{TODAY.year}-01-01", "--to", f"{TODAY.year}-12-31",
        "--out", str(out),
    )  # fmt: skip


def test_an_agency_verifies_a_pack_with_the_office_public_key(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("init")[0] == 0
    out = tmp_path / "pack.zip"
    code, stdout, err = _pack(qa, out)
    assert code == 0 and "signed by the office key" in stdout
    assert "warning: QA_DEQAR_AGENCY_ID is not set" in err
    public = tmp_path / "office-key.pem"
    code, stdout, _ = qa("audit", "public-key", "--out", str(public))
    assert code == 0 and public.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    fingerprint = qa("audit", "public-key", "--fingerprint")[1].strip()
    assert fingerprint in stdout
    code, stdout, _ = qa("audit", "verify-pack", str(out), "--key", str(public))
    assert code == 0 and "signed by the QA office" in stdout and fingerprint in stdout
    # the CLI-built pack is recorded like the others, with an audit entry
    with sqlite3.connect(tmp_path / "data" / "qa.sqlite3") as connection:
        packs = connection.execute("SELECT status, sha256 FROM audit_pack").fetchall()
        built = connection.execute(
            "SELECT count(*) FROM audit_entry WHERE action = 'pack.built'"
        ).fetchone()
    assert [status for status, _ in packs] == ["ready"] and built == (1,)


def test_a_pack_checked_against_another_key_fails(qa: Any, tmp_path: Path) -> None:  # noqa: F811
    assert qa("init")[0] == 0
    out = tmp_path / "pack.zip"
    assert _pack(qa, out)[0] == 0
    other = tmp_path / "other.pem"
    from qa.audit.signing import SigningKey

    other.write_text(SigningKey.generate().public.pem())
    code, _, err = qa("audit", "verify-pack", str(out), "--key", str(other))
    assert code == 1 and "BROKEN" in err and "signature does not match" in err


def test_after_rotating_the_key_old_packs_still_verify(qa: Any, tmp_path: Path) -> None:  # noqa: F811
    assert qa("init")[0] == 0
    old = tmp_path / "old.zip"
    assert _pack(qa, old)[0] == 0
    before = qa("audit", "public-key", "--fingerprint")[1].strip()
    code, stdout, _ = qa("audit", "rotate-key")
    assert code == 0 and f"retired {before}" in stdout
    assert qa("audit", "public-key", "--fingerprint")[1].strip() != before
    assert qa("audit", "verify-pack", str(old))[0] == 0  # the retired key is kept
    assert "retired " + before in qa("audit", "public-key")[1]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", os.urandom(4096), b"not a zip"])
def test_verify_pack_on_a_damaged_file_says_so_in_one_line(
    qa: Any,  # noqa: F811
    tmp_path: Path,
    content: bytes,
) -> None:
    assert qa("init")[0] == 0
    assert qa("audit", "public-key", "--fingerprint")[0] == 0
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(content)
    code, stdout, err = qa("audit", "verify-pack", str(damaged))
    assert code != 0 and "Traceback" not in stdout + err
    assert "not a readable zip file" in err or "damaged" in err


def test_a_rebuild_as_of_the_packs_chain_position_is_byte_identical_after_the_trail_grew(
    qa: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    assert qa("demo")[0] == 0
    first = tmp_path / "first.zip"
    assert _pack(qa, first)[0] == 0
    with zipfile.ZipFile(first) as archive:
        seq = json.loads(archive.read("manifest.json"))["audit_chain_seq"]
    assert isinstance(seq, int) and seq > 0
    again = tmp_path / "again.zip"
    assert _pack(qa, again)[0] == 0  # recording the first build grew the trail
    assert again.read_bytes() != first.read_bytes()
    rebuilt = tmp_path / "rebuilt.zip"
    code, _, err = qa(
        "export", "pack", "--from", f"{TODAY.year}-01-01", "--to", f"{TODAY.year}-12-31",
        "--out", str(rebuilt), "--as-of", str(seq),
    )  # fmt: skip
    assert code == 0, err
    assert rebuilt.read_bytes() == first.read_bytes()
    code, _, err = qa(
        "export", "pack", "--from", f"{TODAY.year}-01-01", "--to", f"{TODAY.year}-12-31",
        "--out", str(tmp_path / "x.zip"), "--as-of", "999999",
    )  # fmt: skip
    assert code == 2 and "the audit chain has positions 1 to" in err
