"""Draining the outbox: claim a batch, route each submission once, mark the rows done.

Claims carry a lease: a worker that dies mid-batch leaves claimed rows that the next run
re-claims once the lease has expired, so nothing is lost. On PostgreSQL the claim uses
`FOR UPDATE SKIP LOCKED`, so several workers never take the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from qa.domain.errors import QAError
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.locking import lock_submissions
from qa.persistence.models import OutboxMessage
from qa.services.automation.routing import RoutingContext, route_in

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH_SIZE = 500
#: Submissions routed per transaction: keeps SQLite's write lock short for web requests.
CHUNK = 20


@dataclass
class BatchResult:
    messages: int = 0
    submissions: int = 0
    steps: list[str] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # submission id -> error


def claim_batch(db: Database, worker: str, *, limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Take up to `limit` pending rows (or rows whose claim expired) for this worker."""
    with db.write() as session:
        now = clock.now(session)
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                or_(
                    col(OutboxMessage.claimed_at).is_(None),
                    col(OutboxMessage.claimed_at) < now - LEASE,
                ),
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query))
        if rows:
            session.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.id).in_([r.id for r in rows]))
                .values(claimed_at=now, claimed_by=worker, attempts=OutboxMessage.attempts + 1)
            )
        session.commit()
        return rows


def process_batch(
    db: Database,
    messages: Sequence[OutboxMessage],
    ctx: RoutingContext,
    *,
    chunk: int = CHUNK,
) -> BatchResult:
    """Route each submission named in the batch once, then settle its rows.

    Submissions are routed `chunk` at a time in one transaction that also marks their rows
    done. If anything in a chunk fails, the chunk is rolled back and its submissions are
    routed again one by one, so a bad file is isolated: its rows are released for a retry
    (or failed for good when a rule refused) and the others go through. A crash loses at
    most the open chunk, which is re-routed after the lease expires — every step is
    idempotent.
    """
    result = BatchResult(messages=len(messages))
    by_submission: dict[int | None, list[int]] = {}
    for message in messages:
        assert message.id is not None
        by_submission.setdefault(message.submission_id, []).append(message.id)
    groups = list(by_submission.items())
    for start in range(0, len(groups), chunk):
        _route_chunk(db, groups[start : start + chunk], ctx, result)
    return result


def _route_chunk(
    db: Database,
    groups: list[tuple[int | None, list[int]]],
    ctx: RoutingContext,
    result: BatchResult,
) -> None:
    try:
        steps, routed = _route_together(db, groups, ctx)
    except Exception as exc:
        if len(groups) > 1:
            for group in groups:  # isolate the failing file; the others still go through
                _route_chunk(db, [group], ctx, result)
            return
        submission_id, ids = groups[0]
        assert submission_id is not None
        result.submissions += 1
        if isinstance(exc, QAError):  # a rule refused: record it, do not retry forever
            result.failed[submission_id] = str(exc)
            _fail(db, ids, str(exc))
        else:
            log.exception("routing submission %s failed", submission_id)
            result.failed[submission_id] = repr(exc)
            _release(db, ids, repr(exc))
        return
    result.steps += steps
    result.submissions += routed


def _route_together(
    db: Database, groups: list[tuple[int | None, list[int]]], ctx: RoutingContext
) -> tuple[list[str], int]:
    """Route the chunk in one transaction and mark its rows done in the same commit."""
    steps: list[str] = []
    done: list[int] = []
    with db.write() as session:
        wanted = [submission_id for submission_id, _ in groups if submission_id is not None]
        # One query for the chunk, locking its rows; the list keeps them in the (weak)
        # identity map.
        loaded = lock_submissions(session, wanted)
        for submission_id, ids in groups:
            if submission_id is not None:
                steps += [f"{submission_id}: {s}" for s in route_in(session, submission_id, ctx)]
            done += ids
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(done))
            .values(status="done", processed_at=clock.now(session))
        )
        session.commit()
        del loaded
    return steps, len(wanted)


def _fail(db: Database, ids: list[int], error: str) -> None:
    with db.write() as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(status="failed", processed_at=clock.now(session), last_error=error[:2000])
        )
        session.commit()


def drain(
    db: Database, ctx: RoutingContext, *, worker: str = "embedded", max_batches: int = 100
) -> BatchResult:
    """Process batches until the outbox is empty (routing steps may queue follow-ups)."""
    total = BatchResult()
    for _ in range(max_batches):
        batch = claim_batch(db, worker)
        if not batch:
            break
        result = process_batch(db, batch, ctx)
        total.messages += result.messages
        total.submissions += result.submissions
        total.steps += result.steps
        total.failed |= result.failed
    return total


def has_pending(db: Database) -> bool:
    """Whether any row waits: the worker asks this twice a second, so it reads one id at most."""
    with db.session() as session:
        first = session.exec(
            select(OutboxMessage.id).where(OutboxMessage.status == "pending").limit(1)
        ).first()
        return first is not None


def _release(db: Database, ids: list[int], error: str) -> None:
    """Give the rows back for a later retry, or give up after MAX_ATTEMPTS."""
    with db.write() as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(claimed_at=None, claimed_by=None, last_error=error[:2000])
        )
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids), col(OutboxMessage.attempts) >= MAX_ATTEMPTS)
            .values(status="failed", processed_at=clock.now(session))
        )
        session.commit()
