"""Audit packs as stored jobs: request, build in the background, list, download.

A request is a row in `audit_pack` (queued). The worker claims one (building), seals the
audit trail so the pack records a head that covers everything in it, builds the zip into
the data folder under a temporary name, and marks the row ready with the file's SHA-256,
the manifest's SHA-256 and the row counts — or failed with the reason. Progress is
written as the build advances, so the agency page and the CLI can show it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zipfile import ZipFile

from sqlalchemy import ColumnElement, and_, false, func, or_, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from qa.audit.chain import ChainBroken, chain_head, seal
from qa.audit.checkpoints import write_checkpoint
from qa.audit.log import record
from qa.audit.signing import SigningKey
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import InvalidInput, NotFound
from qa.domain.pack_access import (
    MAX_PROVIDER_CODE,
    PackFacts,
    can_see_pack,
    check_pack_period,
    check_pack_quota,
    require_pack_requester,
)
from qa.domain.policy import is_staff
from qa.export.pack import DeqarConfig, PackFilter, PackResult, build_pack
from qa.export.pack.contract import MANIFEST
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import AuditPack, Institution

QUEUED, BUILDING, READY, FAILED = "queued", "building", "ready", "failed"
#: Progress is written at most this often (seconds), so a big build does not spam writes.
PROGRESS_EVERY = 0.5


def filter_of(pack: AuditPack) -> PackFilter:
    data = pack.filter
    return PackFilter(
        date.fromisoformat(str(data["date_from"])),
        date.fromisoformat(str(data["date_to"])),
        provider_code=data.get("provider_code") or None,
        decision=data.get("decision") or None,
    )


def request_pack(
    db: Database, actor: Actor, wanted: PackFilter, *, reveal_reviewers: bool = False
) -> AuditPack:
    """Queue a pack for the actor and their organisation, within the request bounds.

    Only staff may ask for reviewers' names instead of pseudonyms; the period, provider and
    decision are checked, and a person has a quota of waiting packs and of requests a day.
    """
    require_pack_requester(actor)
    if reveal_reviewers and not is_staff(actor):
        raise InvalidInput("reviewers are pseudonymised in packs for agencies")
    check_pack_period(wanted.date_from, wanted.date_to, db.clock.today())
    with db.write() as session:
        _check_provider(session, wanted.provider_code)
        _check_quota(session, actor)
        pack = AuditPack(
            requested_by=actor.user_id,
            organisation_id=actor.institution_id,
            filter=wanted.as_dict(),
            reveal_reviewers=reveal_reviewers,
        )
        session.add(pack)
        session.flush()
        record(
            session,
            actor,
            "pack.requested",
            entity_type="audit_pack",
            entity_id=pack.id,
            after={"filter": pack.filter, "reveal_reviewers": reveal_reviewers},
        )
        session.commit()
        return pack


def _check_provider(session: Session, code: str | None) -> None:
    if code is None:
        return
    if (
        len(code) > MAX_PROVIDER_CODE
        or not session.exec(
            select(Institution.id).where(Institution.code == code, Institution.kind == "provider")
        ).first()
    ):
        raise InvalidInput(f"no provider has the code {code[:MAX_PROVIDER_CODE]!r}")


def _check_quota(session: Session, actor: Actor) -> None:
    if actor.user_id is None:  # the command line and the schedule have no quota
        return
    mine = col(AuditPack.requested_by) == actor.user_id
    waiting = session.exec(
        select(func.count()).where(mine, col(AuditPack.status).in_((QUEUED, BUILDING)))
    ).one()
    since = clock.now(session) - timedelta(days=1)
    asked_today = session.exec(
        select(func.count()).where(mine, col(AuditPack.requested_at) >= since)
    ).one()
    check_pack_quota(waiting, asked_today)


def facts_of(pack: AuditPack) -> PackFacts:
    return PackFacts(
        requested_by=pack.requested_by,
        organisation_id=pack.organisation_id,
        reveals_reviewers=pack.reveal_reviewers,
        scheduled=pack.schedule_key is not None,
    )


def _visible_to(actor: Actor) -> ColumnElement[bool]:
    """`can_see_pack` as a WHERE clause (tests hold the two to the same answers)."""
    if is_staff(actor):
        return true()
    if Role.AGENCY not in actor.roles:
        return false()
    own: list[ColumnElement[bool]] = [col(AuditPack.schedule_key).is_not(None)]
    if actor.user_id is not None:
        own.append(col(AuditPack.requested_by) == actor.user_id)
    if actor.institution_id is not None:
        own.append(col(AuditPack.organisation_id) == actor.institution_id)
    return and_(col(AuditPack.reveal_reviewers).is_(False), or_(*own))


def schedule_monthly(db: Database, today: date) -> AuditPack | None:
    """Queue last month's pack once (its `schedule_key` is unique); None if already there."""
    last_day = today.replace(day=1) - timedelta(days=1)
    wanted = PackFilter(last_day.replace(day=1), last_day)
    key = f"monthly:{last_day:%Y-%m}"
    try:
        with db.write() as session:
            if session.exec(select(AuditPack.id).where(AuditPack.schedule_key == key)).first():
                return None
            pack = AuditPack(filter=wanted.as_dict(), schedule_key=key)
            session.add(pack)
            session.flush()
            record(
                session,
                Actor.system("pack schedule"),
                "pack.requested",
                entity_type="audit_pack",
                entity_id=pack.id,
                after={"filter": pack.filter, "schedule": key},
            )
            session.commit()
            return pack
    except IntegrityError:  # another worker queued it first
        return None


def has_queued(db: Database) -> bool:
    with db.session() as session:
        return (
            session.exec(select(AuditPack.id).where(AuditPack.status == QUEUED)).first() is not None
        )


@dataclass(frozen=True)
class BuildOutcome:
    pack_id: int
    status: str
    seconds: float


def build_next(
    db: Database,
    folder: Path,
    deqar: DeqarConfig,
    *,
    clock: Callable[[], float] = time.monotonic,
    checkpoint_key: SigningKey | None = None,
) -> BuildOutcome | None:
    """Claim the oldest queued pack and build it; None when nothing waits.

    With `checkpoint_key`, the sealed head is signed as a checkpoint first, so the pack
    carries it; a chain that does not verify fails the pack (sealing refuses to extend it).
    """
    pack_id = _claim(db)
    if pack_id is None:
        return None
    started = clock()
    with db.session() as session:
        pack = session.get(AuditPack, pack_id)
        assert pack is not None
    try:
        seal(db)
        if checkpoint_key is not None:
            write_checkpoint(db, checkpoint_key, reason=f"pack {pack_id}")
    except ChainBroken as exc:
        _finish(db, pack_id, FAILED, {"error": f"the audit chain is broken: {exc}"[:2000]})
        return BuildOutcome(pack_id, FAILED, clock() - started)
    with db.session() as session:
        position, head = chain_head(session)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"audit-pack-{pack_id}.zip"
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if clock() - last[0] >= PROGRESS_EVERY or done >= total:
            last[0] = clock()
            _set(db, pack_id, progress_done=done, progress_total=total)

    try:
        result = build_pack(
            db,
            filter_of(pack),
            target,
            deqar=deqar,
            reveal_reviewers=pack.reveal_reviewers,
            chain_head=head,
            progress=progress,
            signing_key=checkpoint_key,
            as_of=position,
        )
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the pack, not lost
        _finish(db, pack_id, FAILED, {"error": f"{type(exc).__name__}: {exc}"[:2000]})
        return BuildOutcome(pack_id, FAILED, clock() - started)
    with ZipFile(result.path) as archive:
        manifest_sha = hashlib.sha256(archive.read(MANIFEST)).hexdigest()
    _finish(
        db,
        pack_id,
        READY,
        {
            "file_name": target.name,
            "size_bytes": target.stat().st_size,
            "sha256": result.sha256,
            "manifest_sha256": manifest_sha,
            "chain_head": head,
            "row_counts": dict(result.row_counts),
        },
    )
    return BuildOutcome(pack_id, READY, clock() - started)


def record_built(
    db: Database,
    actor: Actor,
    wanted: PackFilter,
    result: PackResult,
    *,
    reveal_reviewers: bool,
    chain_head: str | None,
) -> AuditPack:
    """A pack built outside the worker (`qa export pack`), recorded like the others."""
    with ZipFile(result.path) as archive:
        manifest_sha = hashlib.sha256(archive.read(MANIFEST)).hexdigest()
    with db.write() as session:
        now = clock.now(session)
        pack = AuditPack(
            requested_by=actor.user_id,
            organisation_id=actor.institution_id,
            filter=wanted.as_dict(),
            reveal_reviewers=reveal_reviewers,
            status=READY,
            started_at=now,
            finished_at=now,
            file_name=str(result.path.resolve())[:255],
            size_bytes=result.path.stat().st_size,
            sha256=result.sha256,
            manifest_sha256=manifest_sha,
            chain_head=chain_head,
            row_counts=dict(result.row_counts),
            progress_done=1,
            progress_total=1,
        )
        session.add(pack)
        session.flush()
        record(
            session,
            actor,
            "pack.built",
            entity_type="audit_pack",
            entity_id=pack.id,
            after={
                "filter": pack.filter,
                "reveal_reviewers": reveal_reviewers,
                "file": pack.file_name,
                "sha256": result.sha256,
                "chain_head": chain_head,
            },
        )
        session.commit()
        return pack


def list_packs(db: Database, actor: Actor, limit: int = 50) -> list[AuditPack]:
    """The newest packs the actor may see (see `qa.domain.pack_access`)."""
    require_pack_requester(actor)
    with db.session() as session:
        return list(
            session.exec(
                select(AuditPack)
                .where(_visible_to(actor))
                .order_by(col(AuditPack.id).desc())
                .limit(limit)
            )
        )


def get_pack(db: Database, actor: Actor, pack_id: int) -> AuditPack:
    """A pack the actor may see; any other is answered as if it did not exist."""
    require_pack_requester(actor)
    with db.session() as session:
        pack = session.get(AuditPack, pack_id)
    if pack is None or not can_see_pack(actor, facts_of(pack)):
        raise NotFound(f"audit pack {pack_id} does not exist")
    return pack


def pack_download(db: Database, actor: Actor, pack_id: int, folder: Path) -> tuple[AuditPack, Path]:
    """The stored file of a ready pack (audited: who downloaded which pack)."""
    pack = get_pack(db, actor, pack_id)
    if pack.status != READY or not pack.file_name:
        raise InvalidInput(f"audit pack {pack_id} is {pack.status}, not ready to download")
    path = folder / pack.file_name
    if not path.is_file():
        raise NotFound(f"the file of audit pack {pack_id} is missing from the data folder")
    with db.write() as session:
        record(
            session,
            actor,
            "pack.downloaded",
            entity_type="audit_pack",
            entity_id=pack_id,
            after={"sha256": pack.sha256},
        )
        session.commit()
    return pack, path


def _claim(db: Database) -> int | None:
    """Move the oldest queued pack to building; the compare-and-set makes one worker win."""
    with db.write() as session:
        pack_id = session.exec(
            select(AuditPack.id).where(AuditPack.status == QUEUED).order_by(col(AuditPack.id))
        ).first()
        if pack_id is None:
            return None
        claimed = session.execute(
            update(AuditPack)
            .where(col(AuditPack.id) == pack_id, col(AuditPack.status) == QUEUED)
            .values(status=BUILDING, started_at=clock.now(session))
        )
        session.commit()
    return pack_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def _set(db: Database, pack_id: int, **values: Any) -> None:
    with db.write() as session:
        session.execute(update(AuditPack).where(col(AuditPack.id) == pack_id).values(**values))
        session.commit()


def _finish(db: Database, pack_id: int, status: str, values: dict[str, Any]) -> None:
    with db.write() as session:
        session.execute(
            update(AuditPack)
            .where(col(AuditPack.id) == pack_id)
            .values(status=status, finished_at=clock.now(session), **values)
        )
        record(
            session,
            Actor.system("audit packs"),
            f"pack.{status}",
            entity_type="audit_pack",
            entity_id=pack_id,
            after=values,
        )
        session.commit()
