"""Audit packs as stored jobs: request, background build, progress, listing, download."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from sqlmodel import col, select

from qa.audit.chain import verify
from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput, NotAllowed, NotFound
from qa.export import pack_jobs
from qa.export.pack import DeqarConfig, PackFilter, verify_pack
from qa.export.pack_jobs import (
    build_next,
    list_packs,
    pack_download,
    request_pack,
    schedule_monthly,
)
from qa.persistence.models import AuditEntry, AuditPack
from qa.services.decisions.decisions import sign_off
from tests.clock import TODAY
from tests.world import World

PERIOD = PackFilter(date(TODAY.year, 1, 1), date(TODAY.year, 12, 31))  # the files decided today


def decide(world: World, descriptor: dict[str, Any]) -> int:
    submission_id = world.to_sign_off(descriptor)
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    return submission_id


@pytest.fixture
def agency(world: World) -> Actor:
    return world.add_agency_user("astrid", "AG-A3ES")


def test_a_requested_pack_is_built_in_the_background_and_recorded(
    world: World, agency: Actor, good_descriptor: dict[str, Any], tmp_path: Path
) -> None:
    decide(world, good_descriptor)
    pack = request_pack(world.db, agency, PERIOD)
    assert pack.status == "queued" and pack.filter["date_from"] == f"{TODAY.year}-01-01"
    outcome = build_next(world.db, tmp_path, DeqarConfig())
    assert outcome is not None and outcome.status == "ready"
    assert build_next(world.db, tmp_path, DeqarConfig()) is None  # nothing else waits
    with world.db.session() as session:
        built = session.get(AuditPack, pack.id)
        actions = session.exec(
            select(AuditEntry.action).where(AuditEntry.entity_type == "audit_pack")
        ).all()
    assert built is not None and built.file_name
    path = tmp_path / built.file_name
    assert built.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert built.size_bytes == path.stat().st_size
    with ZipFile(path) as archive:
        assert built.manifest_sha256 == hashlib.sha256(archive.read("manifest.json")).hexdigest()
    assert verify_pack(path) == []
    assert built.progress_done == built.progress_total > 0
    assert built.row_counts and built.row_counts["Decisions"] >= 1
    # the pack records a sealed chain head that verification reproduces
    assert built.chain_head is not None and verify(world.db).ok
    with world.db.session() as session:
        sealed = session.exec(
            select(AuditEntry.entry_hash).where(col(AuditEntry.entry_hash) == built.chain_head)
        ).first()
    assert sealed is not None
    assert sorted(actions) == ["pack.ready", "pack.requested"]


def test_a_failing_build_is_marked_failed_with_its_reason(
    world: World, agency: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(pack_jobs, "build_pack", broken)
    pack = request_pack(world.db, agency, PERIOD)
    outcome = build_next(world.db, tmp_path, DeqarConfig())
    assert outcome is not None and outcome.status == "failed"
    [listed] = [p for p in list_packs(world.db, agency) if p.id == pack.id]
    assert listed.status == "failed" and listed.error == "OSError: disk full"
    with pytest.raises(InvalidInput, match="is failed, not ready"):
        pack_download(world.db, agency, listed.id or 0, tmp_path)


def test_only_agencies_and_staff_request_list_and_download_packs(
    world: World, agency: Actor, tmp_path: Path
) -> None:
    for outsider in (world.provider, world.reviewers[0]):
        with pytest.raises(NotAllowed):
            request_pack(world.db, outsider, PERIOD)
        with pytest.raises(NotAllowed):
            list_packs(world.db, outsider)
    with pytest.raises(InvalidInput, match="pseudonymised"):
        request_pack(world.db, agency, PERIOD, reveal_reviewers=True)
    named = request_pack(world.db, world.officers[0], PERIOD, reveal_reviewers=True)
    assert named.reveal_reviewers
    build_next(world.db, tmp_path, DeqarConfig())
    with pytest.raises(NotAllowed):
        pack_download(world.db, world.provider, named.id or 0, tmp_path)
    pack, path = pack_download(world.db, world.officers[1], named.id or 0, tmp_path)
    assert path.is_file() and pack.status == "ready"
    # a pack that reveals reviewers is never listed or served to an agency
    assert named.id not in {p.id for p in list_packs(world.db, agency)}
    with pytest.raises(NotFound):
        pack_download(world.db, agency, named.id or 0, tmp_path)


def test_the_monthly_schedule_queues_last_month_once(world: World) -> None:
    first = schedule_monthly(world.db, date(2026, 12, 1))
    assert first is not None and first.schedule_key == "monthly:2026-11"
    assert first.filter == {
        "date_from": "2026-11-01",
        "date_to": "2026-11-30",
        "provider_code": None,
        "decision": None,
    }
    assert schedule_monthly(world.db, date(2026, 12, 17)) is None
    assert schedule_monthly(world.db, date(2027, 1, 1)) is not None  # December's
