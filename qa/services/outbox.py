"""Draining the outbox: claim a batch, route each submission once, mark the rows done.

Claims carry a lease: a worker that dies mid-batch leaves claimed rows that the next run
re-claims once the lease has expired, so nothing is lost. On PostgreSQL the claim uses
`FOR UPDATE SKIP LOCKED`, so several workers never take the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import or_, update
from sqlmodel import col, select

from qa.domain.errors import QAError
from qa.persistence.db import Database
from qa.persistence.models import OutboxMessage
from qa.persistence.types import utcnow
from qa.services.routing import RoutingContext, route_submission

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
BATCH_SIZE = 500


@dataclass
class BatchResult:
    messages: int = 0
    submissions: int = 0
    steps: list[str] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # submission id -> error


def claim_batch(db: Database, worker: str, *, limit: int = BATCH_SIZE) -> list[OutboxMessage]:
    """Take up to `limit` pending rows (or rows whose claim expired) for this worker."""
    now = utcnow()
    with db.write() as session:
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
    route: Callable[[Database, int, RoutingContext], list[str]] = route_submission,
) -> BatchResult:
    """Route each submission named in the batch once, then settle every row."""
    result = BatchResult(messages=len(messages))
    by_submission: dict[int | None, list[int]] = {}
    for message in messages:
        assert message.id is not None
        by_submission.setdefault(message.submission_id, []).append(message.id)
    for submission_id, ids in by_submission.items():
        if submission_id is None:
            _settle(db, ids, error=None)
            continue
        result.submissions += 1
        try:
            result.steps += [f"{submission_id}: {step}" for step in route(db, submission_id, ctx)]
        except QAError as exc:  # a rule refused: record it, do not retry forever
            result.failed[submission_id] = str(exc)
            _settle(db, ids, error=str(exc))
            continue
        except Exception as exc:
            log.exception("routing submission %s failed", submission_id)
            result.failed[submission_id] = repr(exc)
            _release(db, ids, repr(exc))
            continue
        _settle(db, ids, error=None)
    return result


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


def pending_count(db: Database) -> int:
    with db.session() as session:
        return len(
            session.exec(select(OutboxMessage.id).where(OutboxMessage.status == "pending")).all()
        )


def _settle(db: Database, ids: list[int], *, error: str | None) -> None:
    with db.write() as session:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(ids))
            .values(status="failed" if error else "done", processed_at=utcnow(), last_error=error)
        )
        session.commit()


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
            .values(status="failed", processed_at=utcnow())
        )
        session.commit()
