"""Notification delivery: a leased outbox of its own, drained by any number of workers.

A worker claims a batch (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: the write lock) and
holds each message under a short lease. Right before sending one it renews that message's
lease, compare-and-set on its own worker id, so a message whose lease lapsed (the worker
stalled or was killed) and that another worker took over is never sent twice by live
workers. After the transport accepts a message it is marked sent, again only if this
worker still holds it. A message that fails is tried again later with a growing back-off;
after `MAX_ATTEMPTS` it becomes a dead letter that officers see and can retry. One bad
message never blocks the others.

The promise: every message is handed to the transport at least once and is never lost. A
message is handed over twice only when a worker dies between the transport accepting it and
the commit that marks it sent; the repeat carries the same `Message-ID` (derived from the
notification's key), so mail systems can drop it.
"""

from __future__ import annotations

import hashlib
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, update
from sqlmodel import col, func, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.errors import NotFound
from qa.domain.policy import require_officer
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import Notification

Send = Callable[[Notification], None]
#: How long a claimed message stays with its worker without a renewal.
LEASE = timedelta(seconds=45)  # longer than the SMTP timeout (30 s)
BATCH = 50
MAX_ATTEMPTS = 5
#: Back-off after the n-th failure: 30 s, 2 min, 8 min, 32 min (then a dead letter).
FIRST_BACKOFF = timedelta(seconds=30)


def worker_id() -> str:
    """Distinct per process (and per machine): host, process id, a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]


def message_id(key: str, domain: str) -> str:
    """The same `Message-ID` for every attempt at one notification."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True)
class DeliveryRun:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        col(Notification.sent_at).is_(None),
        col(Notification.dead_at).is_(None),
        or_(col(Notification.claimed_until).is_(None), col(Notification.claimed_until) < now),
        or_(col(Notification.next_attempt_at).is_(None), col(Notification.next_attempt_at) <= now),
    )


def claim(db: Database, worker: str, *, limit: int = BATCH) -> list[Notification]:
    """Take up to `limit` due messages (unclaimed, or whose lease lapsed) for `worker`."""
    with db.write() as session:
        now = clock.now(session)
        query = select(Notification).where(_due(now)).order_by(col(Notification.id)).limit(limit)
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query))
        if rows:
            session.execute(
                update(Notification)
                .where(col(Notification.id).in_([r.id for r in rows]))
                .values(claimed_by=worker, claimed_until=now + LEASE)
            )
        session.commit()
    return rows


def _renew(db: Database, note_id: int, worker: str) -> bool:
    """The heartbeat: keep this message for `worker`, if it still holds it."""
    with db.write() as session:
        now = clock.now(session)
        renewed = session.execute(
            update(Notification)
            .where(
                col(Notification.id) == note_id,
                col(Notification.claimed_by) == worker,
                col(Notification.sent_at).is_(None),
            )
            .values(claimed_until=now + LEASE)
        )
        session.commit()
    return bool(renewed.rowcount)  # type: ignore[attr-defined]


def _mark_sent(db: Database, note_id: int, worker: str, channel: str) -> None:
    with db.write() as session:
        session.execute(
            update(Notification)
            .where(col(Notification.id) == note_id, col(Notification.claimed_by) == worker)
            .values(
                sent_at=clock.now(session),
                channel=channel,
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
        )
        session.commit()


def _mark_failed(db: Database, note: Notification, worker: str, error: str) -> bool:
    """Record a failed attempt; True when the message became a dead letter."""
    attempts = note.attempts + 1
    dead = attempts >= MAX_ATTEMPTS
    with db.write() as session:
        now = clock.now(session)
        session.execute(
            update(Notification)
            .where(col(Notification.id) == note.id, col(Notification.claimed_by) == worker)
            .values(
                attempts=attempts,
                last_error=error[:2000],
                claimed_by=None,
                claimed_until=None,
                next_attempt_at=now + FIRST_BACKOFF * 4 ** (attempts - 1),
                dead_at=now if dead else None,
            )
        )
        session.commit()
    return dead


def deliver_pending(
    db: Database, send: Send, channel: str, *, worker: str | None = None, limit: int | None = None
) -> int:
    """Send everything due (or `limit` messages); returns how many went out."""
    return deliver(db, send, channel, worker=worker, limit=limit).sent


def deliver(
    db: Database, send: Send, channel: str, *, worker: str | None = None, limit: int | None = None
) -> DeliveryRun:
    """Drain the notification outbox: claim, renew, send, mark; until nothing is due."""
    me = worker or worker_id()
    sent = failed = dead = 0
    while limit is None or sent + failed < limit:
        batch = claim(db, me, limit=BATCH if limit is None else min(BATCH, limit - sent - failed))
        if not batch:
            break
        for note in batch:
            assert note.id is not None
            if not _renew(db, note.id, me):
                continue  # the lease lapsed and another worker has it now
            try:
                send(note)
            except Exception as exc:  # noqa: BLE001 - one bad message never blocks the rest
                failed += 1
                dead += _mark_failed(db, note, me, f"{type(exc).__name__}: {exc}")
                continue
            _mark_sent(db, note.id, me, channel)
            sent += 1
    return DeliveryRun(sent, failed, dead)


def has_due(db: Database) -> bool:
    with db.session() as session:
        now = clock.now(session)
        return session.exec(select(Notification.id).where(_due(now)).limit(1)).first() is not None


def dead_letters(db: Database, actor: Actor, *, limit: int = 100) -> tuple[list[Notification], int]:
    """Messages given up after MAX_ATTEMPTS, newest first, and how many there are."""
    require_officer(actor)
    with db.session() as session:
        dead = col(Notification.dead_at).is_not(None) & col(Notification.sent_at).is_(None)
        rows = list(
            session.exec(
                select(Notification).where(dead).order_by(col(Notification.id).desc()).limit(limit)
            )
        )
        total = session.exec(select(func.count()).select_from(Notification).where(dead)).one()
    return rows, int(total)


def retry_dead_letter(db: Database, actor: Actor, note_id: int) -> Notification:
    """An officer sends a dead letter again (attempts start over); audited."""
    require_officer(actor)
    with db.write() as session:
        note = session.get(Notification, note_id)
        if note is None or note.dead_at is None or note.sent_at is not None:
            raise NotFound(f"notification {note_id} is not a message that could not be sent")
        before = {"attempts": note.attempts, "last_error": note.last_error}
        note.dead_at, note.next_attempt_at, note.attempts = None, None, 0
        note.claimed_by = note.claimed_until = None
        session.add(note)
        record(
            session,
            actor,
            "notification.retried",
            entity_type="notification",
            entity_id=note_id,
            submission_id=note.submission_id,
            before=before,
            after={"attempts": 0},
        )
        session.commit()
        return note
