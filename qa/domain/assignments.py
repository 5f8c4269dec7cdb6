"""Assignment states, conflict-of-interest answers, score-sheet kinds: enums and one
transition table. The services move an assignment only through `next_state`."""

from __future__ import annotations

from enum import StrEnum

from qa.domain.errors import IllegalTransition


class AssignmentState(StrEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"
    CANCELLED = "cancelled"


class CoiStatus(StrEnum):
    """Three states, so "declared none" is never stored like "never asked"."""

    NOT_ASKED = "not_asked"
    NONE = "none"
    DECLARED = "declared"


class SheetKind(StrEnum):
    SELF = "self"
    PEER = "peer"
    CONSENSUS = "consensus"


class SheetStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    SUPERSEDED = "superseded"


class AssignmentEvent(StrEnum):
    INVITE = "invite"
    ACCEPT = "accept"
    DECLINE = "decline"
    DECLARE_CONFLICT = "declare_conflict"
    SUBMIT = "submit"
    MARK_OVERDUE = "mark_overdue"
    CANCEL = "cancel"
    EXPIRE = "expire"
    RENEW = "renew"
    EXTEND = "extend"
    REOPEN = "reopen"  # a submitted review corrected with a reason
    ANSWER_COI = "answer_coi"  # "no conflict of interest": the state stays


S = AssignmentState
E = AssignmentEvent
#: (state before, event) -> state after; None before INVITE (no assignment yet).
TRANSITIONS: dict[tuple[AssignmentState | None, AssignmentEvent], AssignmentState] = {
    (None, E.INVITE): S.INVITED,
    (S.INVITED, E.ACCEPT): S.ACCEPTED,
    (S.INVITED, E.DECLINE): S.DECLINED,
    (S.INVITED, E.DECLARE_CONFLICT): S.CANCELLED,
    (S.ACCEPTED, E.DECLARE_CONFLICT): S.CANCELLED,
    (S.ACCEPTED, E.SUBMIT): S.SUBMITTED,
    (S.OVERDUE, E.SUBMIT): S.SUBMITTED,
    (S.ACCEPTED, E.MARK_OVERDUE): S.OVERDUE,
    (S.INVITED, E.CANCEL): S.CANCELLED,
    (S.ACCEPTED, E.CANCEL): S.CANCELLED,
    (S.OVERDUE, E.CANCEL): S.CANCELLED,
    (S.INVITED, E.EXPIRE): S.CANCELLED,
    (S.DECLINED, E.RENEW): S.INVITED,
    (S.CANCELLED, E.RENEW): S.INVITED,
    (S.INVITED, E.EXTEND): S.INVITED,
    (S.ACCEPTED, E.EXTEND): S.ACCEPTED,
    (S.OVERDUE, E.EXTEND): S.ACCEPTED,
    (S.SUBMITTED, E.REOPEN): S.ACCEPTED,
    (S.INVITED, E.ANSWER_COI): S.INVITED,
    (S.ACCEPTED, E.ANSWER_COI): S.ACCEPTED,
}
#: Holds a seat on the panel and counts towards the reviewer's load.
OPEN = frozenset({S.INVITED, S.ACCEPTED, S.OVERDUE})
#: The reviewer may still score and submit (after the due date too).
SCORING = frozenset({S.ACCEPTED, S.OVERDUE})
#: Ended without a review; the same reviewer may be invited again (unless conflicted).
ENDED = frozenset({S.DECLINED, S.CANCELLED})
#: On the panel of the round: open or submitted.
ON_PANEL = OPEN | {S.SUBMITTED}
#: The audit action (`assignment.<name>`) each event writes: the names already in the trail.
AUDIT_NAMES: dict[AssignmentEvent, str] = {
    E.INVITE: "invited",
    E.ACCEPT: "accepted",
    E.DECLINE: "declined",
    E.DECLARE_CONFLICT: "coi",
    E.SUBMIT: "submitted",
    E.MARK_OVERDUE: "overdue",
    E.CANCEL: "cancelled",
    E.EXPIRE: "expired",
    E.RENEW: "reinvited",
    E.EXTEND: "due_date",
    E.REOPEN: "reopened",
    E.ANSWER_COI: "coi",
}
#: Events that may change a panel or a file's stage, and the outbox topic that tells routing.
ROUTING_TOPICS: dict[AssignmentEvent, str] = {
    E.DECLINE: "assignment.declined",
    E.DECLARE_CONFLICT: "assignment.conflict",
    E.SUBMIT: "review.submitted",
    E.CANCEL: "assignment.cancelled",
    E.EXPIRE: "assignment.expired",
}


def next_state(state: str | None, event: AssignmentEvent) -> AssignmentState:
    before = AssignmentState(state) if state is not None else None
    after = TRANSITIONS.get((before, event))
    if after is None:
        what = before.value if before else "not invited"
        raise IllegalTransition(f"an assignment that is {what} cannot {event.replace('_', ' ')}")
    return after


def is_open(state: str) -> bool:
    """Counts towards the reviewer's load and holds a seat on the panel."""
    return state in OPEN


def can_score(state: str) -> bool:
    return state in SCORING


def is_ended(state: str) -> bool:
    """Declined, expired or cancelled: no longer on the panel."""
    return state in ENDED


def is_on_panel(state: str) -> bool:
    return state in ON_PANEL


def awaits_answer(state: str) -> bool:
    """Invited and not yet answered: the deadline is the answer date."""
    return state == S.INVITED


def is_submitted(state: str) -> bool:
    return state == S.SUBMITTED


def is_overdue(state: str) -> bool:
    return state == S.OVERDUE


def renewable(state: str, coi_status: str) -> bool:
    """Declined or cancelled, and no conflict declared on this file."""
    return state in ENDED and coi_status != CoiStatus.DECLARED


def state_tone(state: str) -> str:
    """How a state is shown: ok (submitted), bad (ended), warn (overdue) or plain."""
    if state == S.SUBMITTED:
        return "ok"
    if state in ENDED:
        return "bad"
    return "warn" if state == S.OVERDUE else ""


def review_round_open(stage: str, round_number: int, current_round: int) -> bool:
    return stage == "peer_review" and round_number == current_round


def require_scorable(
    state: str, coi_status: str, assignment_round: int, stage: str, current_round: int
) -> None:
    """Refuse scoring outside an accepted, conflict-checked assignment of the open round.

    The one rule both ways of saving a peer score use (the ORM path and the autosave path).
    """
    if not can_score(state):
        raise IllegalTransition(
            "accept the invitation before scoring"
            if awaits_answer(state)
            else f"this review is {state}; scores can no longer change"
        )
    if coi_status == CoiStatus.NOT_ASKED:
        raise IllegalTransition("answer the conflict-of-interest question before scoring")
    if not review_round_open(stage, assignment_round, current_round):
        raise IllegalTransition("peer review of this submission is closed")
