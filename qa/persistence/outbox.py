"""The transactional outbox: a row per change that routing must look at."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from qa.persistence.models import OutboxMessage


def enqueue(
    session: Session,
    topic: str,
    *,
    submission_id: int | None = None,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage:
    """Add an outbox row in the caller's transaction (it commits with the change)."""
    message = OutboxMessage(
        topic=topic, submission_id=submission_id, payload=payload or {}, dedupe_key=dedupe_key
    )
    session.add(message)
    return message
