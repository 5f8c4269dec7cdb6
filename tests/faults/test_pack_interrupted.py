"""A pack build interrupted: by an exception, or by the worker killed in the middle.

Never a partial pack offered for download; the pack is marked failed with the reason
(exception), or queued again and built afresh (killed), or failed with the reason when its
builds keep being interrupted.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from sqlmodel import select

from qa.domain.errors import InvalidInput
from qa.export.pack import DeqarConfig, PackFilter, verify_pack
from qa.export.pack_jobs import _claim, build_next, pack_download, request_pack
from qa.export.pack_recovery import BUILD_LEASE, INTERRUPTED, recover_interrupted
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, AuditPack
from qa.services.operations.backup import sha256_file
from tests.clock import now
from tests.faults.processes import Child, wait_until
from tests.world import World, build_world
from workflows.api import free_port

pytestmark = pytest.mark.slow


def _pack(db: Database, pack_id: int) -> AuditPack:
    with db.session() as session:
        pack = session.get(AuditPack, pack_id)
    assert pack is not None
    return pack


def _request(world: World, today: date) -> int:
    wanted = PackFilter(today - timedelta(days=60), today)
    pack = request_pack(world.db, world.officers[0], wanted)
    assert pack.id is not None
    return pack.id


def test_an_exception_while_writing_the_zip_fails_the_pack_with_its_reason_and_no_file(
    sqlite_db: Database, today: date, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qa.export.pack.build as build

    world = build_world(sqlite_db, today)
    pack_id = _request(world, today)
    folder = tmp_path / "packs"

    def disk_full(partial: Path, *args: Any, **kwargs: Any) -> Any:
        partial.write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "write_zip", disk_full)
    outcome = build_next(sqlite_db, folder, DeqarConfig())
    assert outcome is not None and outcome.status == "failed"
    pack = _pack(sqlite_db, pack_id)
    assert pack.status == "failed" and pack.error is not None
    assert "No space left on device" in pack.error
    assert list(folder.iterdir()) == []  # neither the zip nor its partial file
    with pytest.raises(InvalidInput, match="is failed, not ready to download"):
        pack_download(sqlite_db, world.officers[0], pack_id, folder)


def test_a_worker_killed_mid_build_leaves_nothing_offered_and_the_pack_is_built_afresh(
    sqlite_db: Database, today: date, tmp_path: Path
) -> None:
    world = build_world(sqlite_db, today)
    pack_id = _request(world, today)
    folder = tmp_path / "packs"
    partial = folder / f".audit-pack-{pack_id}.zip.part"
    closed = f"http://127.0.0.1:{free_port()}/api"  # plain functions: no Prefect start-up
    first = Child(
        tmp_path,
        "worker",
        now=now(),
        log=tmp_path / "worker-1.log",
        QA_PREFECT_API_URL=closed,
        QA_FAULT_PACK_DELAY="60",
    )
    try:
        wait_until(partial.exists, timeout=120, child=first)
    finally:
        first.kill()
    pack = _pack(sqlite_db, pack_id)
    assert pack.status == "building" and partial.exists()
    assert not (folder / f"audit-pack-{pack_id}.zip").exists()
    with pytest.raises(InvalidInput, match="is building, not ready to download"):
        pack_download(sqlite_db, world.officers[0], pack_id, folder)

    later = now() + BUILD_LEASE + timedelta(minutes=1)
    second = Child(
        tmp_path, "worker", now=later, log=tmp_path / "worker-2.log", QA_PREFECT_API_URL=closed
    )
    try:
        wait_until(lambda: _pack(sqlite_db, pack_id).status == "ready", timeout=120, child=second)
    finally:
        assert second.stop() == 0, second.output()[-3000:]
    pack = _pack(sqlite_db, pack_id)
    assert pack.file_name == f"audit-pack-{pack_id}.zip"
    built = folder / pack.file_name
    assert sha256_file(built) == pack.sha256 and verify_pack(built) == []
    assert sorted(p.name for p in folder.iterdir()) == [pack.file_name]  # the .part is gone
    with sqlite_db.session() as session:
        interruptions = session.exec(
            select(AuditEntry).where(AuditEntry.action == INTERRUPTED)
        ).all()
    assert [e.after for e in interruptions] == [{"status": "queued", "interruptions": 1}]


def test_a_build_interrupted_again_is_failed_with_the_reason(
    sqlite_db: Database, today: date, tmp_path: Path
) -> None:
    world = build_world(sqlite_db, today)
    pack_id = _request(world, today)
    assert _claim(sqlite_db) == pack_id  # a worker starts building, then dies
    assert recover_interrupted(sqlite_db, tmp_path).requeued == []  # not yet: the lease runs
    with time_machine.travel(now() + BUILD_LEASE + timedelta(minutes=1), tick=True):
        assert recover_interrupted(sqlite_db, tmp_path).requeued == [pack_id]
        assert _pack(sqlite_db, pack_id).status == "queued"
        assert _claim(sqlite_db) == pack_id  # built again, and the worker dies again
        with time_machine.travel(now() + BUILD_LEASE + timedelta(minutes=1), tick=True):
            recovered = recover_interrupted(sqlite_db, tmp_path)
            assert recovered.failed == [pack_id]
            assert recover_interrupted(sqlite_db, tmp_path).failed == []  # once
    pack = _pack(sqlite_db, pack_id)
    assert pack.status == "failed"
    assert pack.error is not None and "interrupted 2 times" in pack.error
