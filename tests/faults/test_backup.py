"""`qa backup` of a live SQLite office and `qa restore` into an empty folder.

A writer thread keeps adding institutions through the service layer (each with its audit
entry) while the backup runs; the restored office verifies, and holds exactly the rows its
own manifest counted: one commit's state, whatever the writer did meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from qa.cli.exit_codes import EXIT_CONFLICT, EXIT_USER_ERROR
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.persistence.snapshot import row_counts
from qa.services.people.institutions import add_institution
from tests.faults.conftest import Qa

pytestmark = pytest.mark.slow


class Writer(threading.Thread):
    """Adds institutions until stopped; counts what it committed."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.db = Database(f"sqlite:///{database}")
        self.done = 0
        self.stop = threading.Event()
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                add_institution(
                    self.db,
                    Actor.cli("writer"),
                    code=f"W-{self.done:05d}",
                    name=f"Writer institution {self.done}",
                    country="PT",
                )
                self.done += 1
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            self.db.dispose()

    def wait_for(self, count: int) -> None:
        for _ in range(2000):
            if self.done >= count or self.error is not None:
                return
            self.stop.wait(0.01)


def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_backup_taken_while_writing_restores_into_an_empty_folder_and_verifies(
    qa: Qa, data_dir: Path, tmp_path: Path
) -> None:
    assert qa("demo")[0] == 0
    assert qa("audit", "checkpoint")[0] == 0
    packs = data_dir / "packs"
    packs.mkdir()
    (packs / "audit-pack-1.zip").write_bytes(b"a finished pack")
    (packs / ".audit-pack-2.zip.part").write_bytes(b"half a pack")  # being written
    (data_dir / "public_keys").mkdir()
    (data_dir / "public_keys" / "old.pem").write_text("an old public key\n")
    (data_dir / "secret_key").write_text("the session key of the web app\n")
    demo = _count(data_dir / "qa.sqlite3", "institution")

    writer = Writer(data_dir / "qa.sqlite3")
    writer.start()
    writer.wait_for(5)
    before = writer.done
    out = tmp_path / "backup"
    code, printed, err = qa("backup", str(out))
    writer.wait_for(writer.done + 5)
    writer.stop.set()
    writer.join(30)
    assert writer.error is None, writer.error
    assert code == 0, err
    assert "backup written to" in printed
    assert writer.done > before + 4  # the writer went on while (and after) the backup ran

    manifest = json.loads((out / "manifest.json").read_text())
    files = manifest["files"]
    assert set(files) == {
        "database.sqlite3",
        "keys/signing_key.pem",
        "keys/secret_key",
        "keys/public_keys/old.pem",
        "packs/audit-pack-1.zip",
    }
    assert all(len(entry["sha256"]) == 64 for entry in files.values())
    counts = manifest["database"]["row_counts"]
    # One commit's state: what the writer had committed when the copy started, at least.
    assert demo + before <= counts["institution"] < demo + writer.done
    assert counts["audit_entry"] >= counts["institution"]
    assert (out / "keys" / "signing_key.pem").stat().st_mode & 0o077 == 0

    restored = tmp_path / "restored"
    code, printed, err = qa("restore", str(out), data=restored)
    assert code == 0, err
    assert "check it with `qa audit verify`" in printed
    assert row_counts(restored / "qa.sqlite3") == counts  # exactly the snapshot's own rows
    code, printed, err = qa("audit", "verify", data=restored)
    assert code == 0, err + printed
    assert "rows equal the replay" in printed
    assert (restored / "packs" / "audit-pack-1.zip").read_bytes() == b"a finished pack"
    assert (restored / "signing_key.pem").read_bytes() == (
        data_dir / "signing_key.pem"
    ).read_bytes()
    assert (restored / "signing_key.pem").stat().st_mode & 0o077 == 0

    # Into a folder that holds anything: refused, and the folder is left as it was.
    code, _, err = qa("restore", str(out), data=restored)
    assert code == EXIT_CONFLICT
    assert f"the data folder {restored} is not empty" in err
    assert row_counts(restored / "qa.sqlite3") == counts


def test_a_damaged_backup_or_a_used_folder_is_refused_and_nothing_is_written(
    qa: Qa, data_dir: Path, tmp_path: Path
) -> None:
    assert qa("init")[0] == 0
    out = tmp_path / "backup"
    assert qa("backup", str(out))[0] == 0
    code, _, err = qa("backup", str(out))
    assert code == EXIT_CONFLICT and "already exists and is not an empty folder" in err

    with (out / "database.sqlite3").open("ab") as key:
        key.write(b"x")
    target = tmp_path / "restored"
    code, _, err = qa("restore", str(out), data=target)
    assert code == EXIT_USER_ERROR
    assert "is damaged; nothing was restored" in err
    assert "database.sqlite3: its SHA-256 differs" in err
    assert not target.exists()

    code, _, err = qa("restore", str(tmp_path), data=target)
    assert code == EXIT_USER_ERROR and "is not a backup folder" in err
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["../escape"] = {"sha256": "0" * 64, "bytes": 1}
    (out / "manifest.json").write_text(json.dumps(manifest))
    code, _, err = qa("restore", str(out), data=target)
    assert code == EXIT_USER_ERROR and "'../escape' is not a file of a backup" in err
    assert not target.exists()
    assert not list(tmp_path.glob(".*"))  # no staging folder left behind
