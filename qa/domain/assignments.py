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
}
OPEN = frozenset({S.INVITED, S.ACCEPTED, S.OVERDUE})
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
    return state in (S.ACCEPTED, S.OVERDUE)


def renewable(state: str, coi_status: str) -> bool:
    """Declined or cancelled, and no conflict declared on this file."""
    return state in (S.DECLINED, S.CANCELLED) and coi_status != CoiStatus.DECLARED


def review_round_open(stage: str, round_number: int, current_round: int) -> bool:
    return stage == "peer_review" and round_number == current_round
