"""Who makes checkpoints: the worker while the chain grows, and every pack build."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any
from zipfile import ZipFile

from sqlalchemy import text

from qa.audit.checkpoints import chain_problems, list_checkpoints, parse_pack_document
from qa.audit.signing import SigningKey, load_or_create
from qa.audit.verification import verify_everything
from qa.config import Settings
from qa.export.pack import DeqarConfig
from qa.export.pack_jobs import build_next, request_pack
from qa.persistence.db import Database
from qa.persistence.models import AuditPack
from tests.audit.test_chain import _write
from tests.export.test_pack_jobs import PERIOD, decide
from tests.world import World
from workflows.runner import EmbeddedRunner


def test_the_worker_signs_a_checkpoint_when_the_chain_grew(
    sqlite_db: Database, tmp_path: Path
) -> None:
    settings = Settings.from_env(
        {"QA_DATA_DIR": str(tmp_path), "QA_DATABASE_URL": sqlite_db.url.render_as_string(False)}
    )
    runner = EmbeddedRunner(settings, api_url=None)
    runner._next_deadlines = math.inf  # this test is about the audit chain, not deadlines
    _write(sqlite_db, 3)
    runner.run_once()
    assert runner.stats.last_error is None
    assert runner.stats.sealed_entries == 3 and runner.stats.checkpoints == 1
    (checkpoint,) = list_checkpoints(sqlite_db)
    assert checkpoint.seq == 3 and checkpoint.reason == "worker"
    key = load_or_create(settings.signing_key_path, create=False)
    assert verify_everything(sqlite_db, [key.public]).ok
    runner._next_checkpoint = 0.0
    runner.run_once()  # the head did not move: no new checkpoint
    assert runner.stats.checkpoints == 1


def test_every_pack_carries_the_checkpoint_signed_at_its_build(
    world: World, good_descriptor: dict[str, Any], tmp_path: Path
) -> None:
    key = SigningKey.generate()
    decide(world, good_descriptor)
    pack = request_pack(world.db, world.officers[0], PERIOD)
    outcome = build_next(world.db, tmp_path, DeqarConfig(), checkpoint_key=key)
    assert outcome is not None and outcome.status == "ready"
    with world.db.session() as session:
        built = session.get(AuditPack, pack.id)
    assert built is not None and built.file_name
    with ZipFile(tmp_path / built.file_name) as archive:
        carried = parse_pack_document(archive.read("checkpoints.json"), built.file_name)
        manifest = json.loads(archive.read("manifest.json"))
    listed = {entry["path"] for entry in manifest["files"]}
    (stored,) = list_checkpoints(world.db)
    assert stored.reason == f"pack {pack.id}"
    assert [(c.seq, c.entry_hash) for c in carried] == [(stored.seq, stored.entry_hash)]
    assert built.chain_head == stored.entry_hash and "checkpoints.json" in listed
    assert verify_everything(world.db, [key.public], carried).ok

    with world.db.engine.begin() as connection:  # later, the tail is cut and the evidence gone
        connection.execute(text("DELETE FROM audit_checkpoint"))
        connection.execute(text("DELETE FROM audit_entry WHERE seq > :s"), {"s": stored.seq - 3})
    verdict = verify_everything(world.db, [key.public])
    assert verdict.chain.ok and verdict.checkpoint_problems == []  # nothing stored to compare
    problems = chain_problems(world.db, carried)
    assert len(problems) == 1 and f"checkpoint 1 (position {stored.seq})" in problems[0]
