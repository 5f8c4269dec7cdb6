"""The one way to change an assignment: the transition table, a versioned compare-and-set,
an audit entry with before and after (its history) and, for events that may change a panel
or a stage, an outbox message that tells routing, all in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.assignments import AUDIT_NAMES, ROUTING_TOPICS, AssignmentEvent, next_state
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
    note: dict[str, Any] | None = None,
    tell_routing: bool = True,
) -> int:
    """Apply `event` (and `values`) if the row still has `expected_version`; new version.

    Raises `IllegalTransition` when the event does not apply to the assignment's state and
    `Conflict` when someone changed the row since `expected_version`. `note` adds context to
    the audit entry (a reason) without storing it on the row. Routing itself passes
    `tell_routing=False` for the assignments it closes while it moves the file on.
    """
    assert assignment.id is not None
    after_state = next_state(assignment.state, event)
    changes = dict(values or {})
    if after_state != assignment.state:
        changes["state"] = after_state.value
    before = {name: _plain(getattr(assignment, name)) for name in changes}
    version = update_versioned(
        session, Assignment, assignment.id, expected_version, changes, what="this assignment"
    )
    action = f"assignment.{AUDIT_NAMES[event]}"
    after = {name: _plain(value) for name, value in changes.items()} | (note or {})
    record(
        session,
        actor,
        action,
        entity_type="assignment",
        entity_id=assignment.id,
        submission_id=assignment.submission_id,
        before=before,
        after=after,
    )
    topic = ROUTING_TOPICS.get(event)
    if topic is not None and tell_routing:
        enqueue(
            session,
            topic,
            submission_id=assignment.submission_id,
            payload={"assignment_id": assignment.id, "state": after_state.value},
            dedupe_key=f"{topic}:{assignment.id}:v{version}",
        )
    return version


def _plain(value: object) -> object:
    return value.isoformat() if hasattr(value, "isoformat") else value
