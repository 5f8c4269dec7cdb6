"""Writing audit entries. Callers pass their open session; the entry commits with the change."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from qa.domain.actor import Actor
from qa.persistence import clock
from qa.persistence.models import AuditEntry


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity_type: str,
    entity_id: object,
    submission_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one audit entry to the caller's transaction (it commits with the change)."""
    entry = AuditEntry(
        **entry_values(
            actor,
            action,
            entity_type=entity_type,
            entity_id=entity_id,
            submission_id=submission_id,
            before=before,
            after=after,
            at=clock.now(session),
        )
    )
    session.add(entry)
    return entry


def entry_values(
    actor: Actor,
    action: str,
    *,
    entity_type: str,
    entity_id: object,
    submission_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime,
) -> dict[str, Any]:
    """The column values of one audit entry, for `record_many`; `at` from the session clock."""
    return {
        "at": at,
        "actor_id": actor.user_id,
        "actor_label": actor.label,
        "action": action,
        "entity_type": entity_type,
        "entity_id": str(entity_id),
        "submission_id": submission_id,
        "before": before,
        "after": after,
    }


def record_many(session: Session, entries: Sequence[dict[str, Any]]) -> None:
    """Write many audit entries in one statement (bulk paths such as catalogue import)."""
    if entries:
        session.execute(insert(AuditEntry), list(entries))
