"""One way to change an assignment's state: the transition table, a versioned
compare-and-set, an audit entry (its history) and an outbox message, in the caller's
transaction. New code moves assignments here; older services migrate to it in turn."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import AUDIT_NAMES, AssignmentEvent, next_state
from qa.persistence.locking import update_versioned
from qa.persistence.models import Assignment
from qa.persistence.outbox import enqueue


def move_assignment(
    session: Session,
    actor: Actor,
    assignment: Assignment,
    event: AssignmentEvent,
    *,
    expected_version: int,
    values: dict[str, Any] | None = None,
) -> int:
    """Apply `event` (and `values`) if the row still has `expected_version`; new version."""
    assert assignment.id is not None
    after_state = next_state(assignment.state, event)
    changes = dict(values or {}) | {"state": after_state.value}
    before = {name: _plain(getattr(assignment, name)) for name in changes}
    version = update_versioned(
        session, Assignment, assignment.id, expected_version, changes, what="this assignment"
    )
    action = f"assignment.{AUDIT_NAMES[event]}"
    record(
        session,
        actor,
        action,
        entity_type="assignment",
        entity_id=assignment.id,
        submission_id=assignment.submission_id,
        before=before,
        after={name: _plain(value) for name, value in changes.items()},
    )
    enqueue(
        session,
        action,
        submission_id=assignment.submission_id,
        payload={"assignment_id": assignment.id, "state": after_state.value},
        dedupe_key=f"move:{assignment.id}:v{version}",
    )
    return version


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
