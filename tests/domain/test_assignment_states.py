"""The assignment transition table and its predicates."""

from __future__ import annotations

import pytest

from qa.domain.assignments import (
    AUDIT_NAMES,
    TRANSITIONS,
    AssignmentEvent,
    AssignmentState,
    can_score,
    is_open,
    next_state,
    renewable,
)
from qa.domain.errors import IllegalTransition

E = AssignmentEvent
S = AssignmentState


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        (None, E.INVITE, S.INVITED),
        ("invited", E.ACCEPT, S.ACCEPTED),
        ("invited", E.DECLINE, S.DECLINED),
        ("accepted", E.DECLARE_CONFLICT, S.CANCELLED),
        ("overdue", E.SUBMIT, S.SUBMITTED),
        ("overdue", E.EXTEND, S.ACCEPTED),
        ("cancelled", E.RENEW, S.INVITED),
        ("submitted", E.REOPEN, S.ACCEPTED),
    ],
)
def test_the_table_moves_an_assignment(
    state: str | None, event: AssignmentEvent, after: AssignmentState
) -> None:
    assert next_state(state, event) is after


@pytest.mark.parametrize(
    ("state", "event"),
    [("submitted", E.CANCEL), ("declined", E.ACCEPT), ("invited", E.SUBMIT), (None, E.ACCEPT)],
)
def test_anything_else_is_an_illegal_transition(state: str | None, event: AssignmentEvent) -> None:
    with pytest.raises(IllegalTransition):
        next_state(state, event)


def test_predicates_and_every_event_has_an_audit_name() -> None:
    assert [s for s in S if is_open(s)] == [S.INVITED, S.ACCEPTED, S.OVERDUE]
    assert [s for s in S if can_score(s)] == [S.ACCEPTED, S.OVERDUE]
    assert renewable("declined", "none") and not renewable("cancelled", "declared")
    assert set(AUDIT_NAMES) == {event for _, event in TRANSITIONS}
