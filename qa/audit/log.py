"""Writing audit entries. Callers pass their open session; the entry commits with the change."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from qa.domain.actor import Actor
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
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        submission_id=submission_id,
        before=before,
        after=after,
    )
    session.add(entry)
    return entry
