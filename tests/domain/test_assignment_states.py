"""The assignment transition table and its predicates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.domain.assignments import (
    AUDIT_NAMES,
    ROUTING_TOPICS,
    TRANSITIONS,
    AssignmentEvent,
    AssignmentState,
    can_score,
    is_open,
    next_state,
    renewable,
    require_scorable,
)
from qa.domain.errors import IllegalTransition
from tests.domain.source_scan import lines_outside_the_domain

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


def test_only_events_that_can_change_a_panel_tell_routing() -> None:
    """Accepting, answering "no conflict" or moving a date changes no panel: no routing run."""
    assert set(ROUTING_TOPICS) == {E.DECLINE, E.DECLARE_CONFLICT, E.SUBMIT, E.CANCEL, E.EXPIRE}
    for event in ROUTING_TOPICS:
        leaves = {after for (_, e), after in TRANSITIONS.items() if e is event}
        assert leaves <= {S.DECLINED, S.CANCELLED, S.SUBMITTED}, event


@pytest.mark.parametrize(
    ("state", "coi", "stage", "rounds", "refusal"),
    [
        ("invited", "none", "peer_review", (1, 1), "accept the invitation"),
        ("submitted", "none", "peer_review", (1, 1), "this review is submitted"),
        ("accepted", "not_asked", "peer_review", (1, 1), "conflict-of-interest"),
        ("accepted", "none", "reviewed", (1, 1), "closed"),
        ("overdue", "none", "peer_review", (1, 2), "closed"),
        ("accepted", "none", "peer_review", (1, 1), None),
        ("overdue", "none", "peer_review", (2, 2), None),
    ],
)
def test_one_rule_says_when_a_peer_score_may_be_saved(
    state: str, coi: str, stage: str, rounds: tuple[int, int], refusal: str | None
) -> None:
    if refusal is None:
        require_scorable(state, coi, rounds[0], stage, rounds[1])
    else:
        with pytest.raises(IllegalTransition, match=refusal):
            require_scorable(state, coi, rounds[0], stage, rounds[1])


#: Code outside the domain compares states through the enums and predicates, never by name.
_STATE_LITERAL = re.compile(
    r"""(\.state|state"\]|"state":|coi_status)\s*(==|!=|in|not in|=|:)\s*[(\[]?\s*"""
    r"""["'](invited|accepted|declined|submitted|overdue|cancelled|not_asked|declared|none)["']"""
)


def test_no_assignment_state_is_spelled_out_outside_the_domain() -> None:
    found = lines_outside_the_domain(_STATE_LITERAL)
    assert found == []


def test_the_lifecycle_document_shows_the_transition_table_as_it_is() -> None:
    """docs/lifecycle.md lists every row of the table with its audit entry and routing topic."""
    document = (Path(__file__).resolve().parents[2] / "docs" / "lifecycle.md").read_text()
    rows = {
        tuple(cell.strip() for cell in line.strip("|").split("|"))[:3]
        + tuple(cell.strip() for cell in line.strip("|").split("|"))[4:6]
        for line in document.splitlines()
        if line.startswith("| ") and "`assignment." in line
    }
    expected = {
        (
            before.value if before else "—",
            event.value.replace("_", " "),
            after.value,
            f"`assignment.{AUDIT_NAMES[event]}`",
            f"`{ROUTING_TOPICS[event]}`" if event in ROUTING_TOPICS else "—",
        )
        for (before, event), after in TRANSITIONS.items()
    }
    assert rows == expected
