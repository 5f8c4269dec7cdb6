"""Pack builds that never finished: the worker was killed (or the machine stopped) mid-build.

An exception during a build already marks the pack failed with the reason (`build_next`).
A killed worker cannot: its pack stays "building" and its half-written `.part` file stays
in the packs folder (never offered: only a ready pack's own file is). A build that has not
finished within `BUILD_LEASE` is taken as interrupted: the first time it is queued again
(built afresh), the second time it is marked failed with the reason. Each step is audited
(`pack.interrupted`) and compare-and-set on the pack's status and start, so two workers
never both recover one pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.export.pack_jobs import BUILDING, FAILED, QUEUED
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, AuditPack

#: Far longer than any build takes (a 1.2 M-row pack: a few minutes).
BUILD_LEASE = timedelta(minutes=30)
#: An interrupted build is tried again this many times, then failed for good.
RETRIES = 1
INTERRUPTED = "pack.interrupted"
GAVE_UP = (
    "the build was interrupted {times} times (the worker stopped while building it); "
    "ask for the pack again, and tell the administrator if it keeps happening"
)


@dataclass(frozen=True)
class Recovered:
    requeued: list[int]
    failed: list[int]


def recover_interrupted(db: Database, folder: Path, *, lease: timedelta = BUILD_LEASE) -> Recovered:
    """Queue again (or fail) every pack whose build started more than `lease` ago."""
    requeued: list[int] = []
    failed: list[int] = []
    with db.write() as session:
        now = clock.now(session)
        stale = session.exec(
            select(AuditPack).where(
                AuditPack.status == BUILDING, col(AuditPack.started_at) < now - lease
            )
        ).all()
        for pack in stale:
            earlier = session.exec(
                select(func.count()).where(
                    AuditEntry.action == INTERRUPTED,
                    AuditEntry.entity_type == "audit_pack",
                    AuditEntry.entity_id == str(pack.id),
                )
            ).one()
            give_up = earlier >= RETRIES
            values = (
                {"status": FAILED, "finished_at": now, "error": GAVE_UP.format(times=earlier + 1)}
                if give_up
                else {"status": QUEUED, "started_at": None, "progress_done": 0}
            )
            taken = session.execute(
                update(AuditPack)
                .where(
                    col(AuditPack.id) == pack.id,
                    col(AuditPack.status) == BUILDING,
                    col(AuditPack.started_at) == pack.started_at,
                )
                .values(**values)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue  # another worker recovered it (or the build just finished)
            record(
                session,
                Actor.system("audit packs"),
                INTERRUPTED,
                entity_type="audit_pack",
                entity_id=pack.id,
                before={"status": BUILDING, "started_at": str(pack.started_at)},
                after={"status": values["status"], "interruptions": earlier + 1},
            )
            (failed if give_up else requeued).append(int(pack.id or 0))
        session.commit()
    for pack_id in requeued + failed:
        (folder / f".audit-pack-{pack_id}.zip.part").unlink(missing_ok=True)
    return Recovered(requeued, failed)
