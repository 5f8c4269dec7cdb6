"""The routing worker killed with SIGKILL in the middle of a batch, then restarted.

A real `qa worker` (embedded Prefect API, routing flow, delivery loop) drains an outbox of
120 new files and 4 screened ones (whose routing invites reviewers and mails them). Each
routing step is slowed, and the worker's whole process group (its Prefect server too) is
killed once some chunks are committed and others are not. Restarted after the claims'
lease (5 minutes later), it finishes. The record must equal a control run of the same
outbox that nothing interrupted: every transition once in `stage_change` and in the audit
trail, every notification queued once and delivered once, and the chain verifies.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from qa.audit.chain import seal
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, Notification, OutboxMessage, StageChange
from qa.services.automation.delivery import deliver_pending
from qa.services.automation.outbox import LEASE, drain
from qa.services.automation.routing import RoutingContext
from tests.clock import now
from tests.faults.processes import Child, scalar, wait_until
from tests.world import World, build_world
from workflows.notifier import LogNotifier

pytestmark = pytest.mark.slow
NEW_FILES = 120
SCREENED = 4


def _outbox_world(db: Database, today: date, descriptor: dict[str, Any]) -> World:
    world = build_world(db, today)
    for number in range(SCREENED):
        submission_id = world.submit(descriptor | {"external_id": f"SCREENED-{number}"})
        world.route()
        world.self_assess(submission_id)
        world.screen(submission_id, accept=True)
    for number in range(NEW_FILES):
        world.submit(descriptor | {"external_id": f"NEW-{number:03d}"})
    return world


def _record(database: Path) -> dict[str, Any]:
    """What routing and delivery left: transitions, audit actions, notifications."""
    db = Database(f"sqlite:///{database}")
    try:
        with db.session() as session:
            changes = [
                (c.submission_id, c.round_number, c.from_stage, c.to_stage)
                for c in session.exec(select(StageChange))
            ]
            actions = [
                (e.submission_id, e.action)
                for e in session.exec(select(AuditEntry))
                if e.action.startswith(("submission.", "assignment.", "review."))
            ]
            notes = list(session.exec(select(Notification)))
            pending = session.exec(
                select(OutboxMessage.id).where(OutboxMessage.status != "done")
            ).all()
    finally:
        db.dispose()
    return {
        "changes": Counter(changes),
        "actions": Counter(actions),
        "notifications": sorted(n.key for n in notes),
        "unsent": [n.key for n in notes if n.sent_at is None],
        "not_done": list(pending),
    }


def test_a_worker_killed_mid_batch_and_restarted_routes_and_notifies_everything_once(
    sqlite_db: Database, today: date, good_descriptor: dict[str, Any], tmp_path: Path
) -> None:
    _outbox_world(sqlite_db, today, good_descriptor)
    sqlite_db.dispose()
    database = tmp_path / "qa.sqlite3"
    control_dir = tmp_path / "control"
    control_dir.mkdir()
    shutil.copyfile(database, control_dir / "qa.sqlite3")

    done = "SELECT count(*) FROM outbox_message WHERE status = 'done'"
    total = scalar(database, "SELECT count(*) FROM outbox_message")
    assert total >= NEW_FILES + SCREENED
    first = Child(
        tmp_path, "worker", now=now(), log=tmp_path / "worker-1.log", QA_FAULT_ROUTE_DELAY="0.04"
    )
    try:  # chunks of 20 commit one by one: kill once two have, long before the last
        wait_until(lambda: scalar(database, done) >= 40, timeout=180, child=first)
    finally:
        first.kill()
    killed_at = scalar(database, done)
    claimed_open = scalar(
        database,
        "SELECT count(*) FROM outbox_message WHERE status = 'pending' AND claimed_at IS NOT NULL",
    )
    print(f"killed with {killed_at} of {total} outbox rows done, {claimed_open} claimed and open")
    assert killed_at < total and claimed_open > 0  # it died holding a claimed, unfinished batch

    later = now() + LEASE + timedelta(minutes=1)  # the claims' lease has run out
    second = Child(tmp_path, "worker", now=later, log=tmp_path / "worker-2.log")
    try:
        unsent = "SELECT count(*) FROM notification WHERE sent_at IS NULL"
        everything = "SELECT count(*) FROM outbox_message"
        wait_until(
            lambda: (
                scalar(database, done) == scalar(database, everything)
                and scalar(database, unsent) == 0
            ),
            timeout=240,
            child=second,
        )
    finally:
        assert second.stop() == 0, second.output()[-3000:]

    control = Database(f"sqlite:///{control_dir / 'qa.sqlite3'}")
    drain(control, RoutingContext(today=today))
    deliver_pending(control, LogNotifier(control_dir / "notifications.log").send, "log")
    control.dispose()

    faulted, expected = _record(database), _record(control_dir / "qa.sqlite3")
    assert faulted["not_done"] == [] and faulted["unsent"] == []
    assert faulted["changes"] == expected["changes"]
    assert max(faulted["changes"].values()) == 1  # every transition once
    assert faulted["actions"] == expected["actions"]
    assert faulted["notifications"] == expected["notifications"]
    assert len(faulted["notifications"]) >= SCREENED * 3  # the panels were mailed
    lines = [
        json.loads(line)
        for line in (tmp_path / "notifications.log").read_text().splitlines()
        if line.strip()
    ]
    delivered = Counter(line["id"] for line in lines)
    assert len(delivered) == len(faulted["notifications"])
    assert max(delivered.values()) == 1  # every notification delivered once

    verified = Database(f"sqlite:///{database}")
    try:
        seal(verified, full=True)  # raises on a broken chain
    finally:
        verified.dispose()
