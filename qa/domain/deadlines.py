"""Reminders, overdue marks, escalations and invitation expiry for reviewer assignments.

Pure: `today` is always a parameter; the deadlines flow reads the assignments, calls
`due_actions` and stores each action under its `key` with a unique constraint, so running it
every hour (or twice, or after a crash) never repeats an action.

Catch-up rule. `due_actions` is stateless: it returns every action due on or before `today`,
and the store drops the keys it has already seen. A reminder "slot" is a signed day offset
from the due date (-3, -1 before; +1, +3 after, with the default policy). Of the slots that
have come due, only the most recent one is returned, so a scheduler that was down for ten days
sends one reminder on its return, worded for today, not a burst of stale ones. The before and
after slots form one timeline: once the due date has passed, a "due in 1 day" reminder is
stale and is superseded by the after-reminders, so a deadline has at most one reminder per run.

One message a day. The run that marks a review overdue does not also remind: the overdue
notice takes the place of the reminder due that day and is stored under that reminder's key
(`notice_key`), so the reminder is not sent later either. The reviewer hears once that the
review is late, not twice on the same morning.

Keys name the assignment, the deadline and its due date (and the slot for a reminder). The due
date is in the key so that an extended deadline starts a fresh series of reminders instead of
colliding with the keys already stored for the old one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class DeadlineKind(StrEnum):
    RESPOND = "respond"  # accept or decline the invitation
    REVIEW = "review"  # submit the review


class ActionKind(StrEnum):
    REMIND = "remind"
    MARK_OVERDUE = "mark_overdue"
    ESCALATE = "escalate"
    EXPIRE = "expire"


_DEADLINE_ORDER = {kind: i for i, kind in enumerate(DeadlineKind)}
_ACTION_ORDER = {kind: i for i, kind in enumerate(ActionKind)}
_IDLE_STATES = frozenset({"declined", "submitted", "cancelled"})
_KNOWN_STATES = _IDLE_STATES | {"invited", "accepted", "overdue"}


def _check_day_series(name: str, days: tuple[int, ...], *, descending: bool) -> None:
    """Each series is listed in the order its reminders happen: (3, 1) before, (1, 3) after."""
    if not isinstance(days, tuple) or not all(_is_whole(day) for day in days):
        raise ValueError(f"{name} must be a tuple of whole numbers of days")
    if any(day < 0 for day in days):
        raise ValueError(f"{name} cannot contain negative days, got {days}")
    if list(days) != sorted(set(days), reverse=descending):
        order = "decreasing, like (3, 1)" if descending else "increasing, like (1, 3)"
        raise ValueError(f"{name} must be in {order} order without repeats, got {days}")


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class DeadlinePolicy:
    """When to remind, escalate and expire, in days relative to a due date."""

    remind_before_days: tuple[int, ...] = (3, 1)  # reminders this many days before
    remind_after_days: tuple[int, ...] = (1, 3)  # and after, while still outstanding
    escalate_after_days: int = 5  # tell the QA officer this many days after review_by
    expire_invitation_after_days: int = 3  # unanswered invitations expire after respond_by

    def __post_init__(self) -> None:
        _check_day_series("remind_before_days", self.remind_before_days, descending=True)
        _check_day_series("remind_after_days", self.remind_after_days, descending=False)
        for name in ("escalate_after_days", "expire_invitation_after_days"):
            value = getattr(self, name)
            if not _is_whole(value) or value < 0:
                raise ValueError(f"{name} must be a whole number of days, 0 or more")

    def reminder_slots(self) -> tuple[int, ...]:
        """Signed offsets from the due date, earliest first (-3, -1, 1, 3 by default)."""
        slots = {-day for day in self.remind_before_days} | set(self.remind_after_days)
        return tuple(sorted(slots))


@dataclass(frozen=True)
class AssignmentDeadlines:
    """What the deadlines flow needs to know about one assignment."""

    assignment_id: int
    submission_id: int
    reviewer_id: int
    state: str  # invited | accepted | declined | submitted | overdue | cancelled
    respond_by: date | None
    review_by: date | None


@dataclass(frozen=True)
class DeadlineAction:
    kind: ActionKind
    assignment_id: int
    submission_id: int
    reviewer_id: int
    deadline: DeadlineKind
    due: date
    days_from_due: int  # as of `today`; negative = before the due date
    key: str  # unique and stable: the same logical action always gets the same key
    message: str
    #: Where the reviewer's message is stored when it is not under `key`: an overdue mark's
    #: notice uses the key of the reminder it replaces (see "One message a day").
    notice_key: str | None = None


def due_actions(
    assignments: Iterable[AssignmentDeadlines],
    *,
    today: date,
    policy: DeadlinePolicy = DeadlinePolicy(),
) -> list[DeadlineAction]:
    """Every action due on or before `today`, ordered by assignment, deadline and kind.

    Raises ValueError for an unknown state or a repeated assignment id, and TypeError when
    `today` is a datetime (a date is meant: the caller picks the time zone).
    """
    if isinstance(today, datetime):
        raise TypeError("today must be a date, not a datetime")
    actions: list[DeadlineAction] = []
    seen: set[int] = set()
    for a in assignments:
        if a.state not in _KNOWN_STATES:
            raise ValueError(f"assignment {a.assignment_id} has an unknown state {a.state!r}")
        if a.assignment_id in seen:
            raise ValueError(f"assignment {a.assignment_id} is listed twice")
        seen.add(a.assignment_id)
        if a.state == "invited" and a.respond_by is not None:
            actions.extend(_respond_actions(a, a.respond_by, today, policy))
        elif a.state in {"accepted", "overdue"} and a.review_by is not None:
            actions.extend(_review_actions(a, a.review_by, today, policy))
    actions.sort(
        key=lambda x: (x.assignment_id, _DEADLINE_ORDER[x.deadline], _ACTION_ORDER[x.kind])
    )
    return actions


def _respond_actions(
    a: AssignmentDeadlines, due: date, today: date, policy: DeadlinePolicy
) -> list[DeadlineAction]:
    days = (today - due).days
    if days >= policy.expire_invitation_after_days:
        text = (
            f"The invitation of reviewer {a.reviewer_id} to review submission "
            f"{a.submission_id} was not answered by {due.isoformat()} and has expired."
        )
        return [_action(ActionKind.EXPIRE, a, DeadlineKind.RESPOND, due, days=days, message=text)]
    return _reminder(a, DeadlineKind.RESPOND, due, days, policy)


def _review_actions(
    a: AssignmentDeadlines, due: date, today: date, policy: DeadlinePolicy
) -> list[DeadlineAction]:
    days = (today - due).days
    actions = _reminder(a, DeadlineKind.REVIEW, due, days, policy)
    if days > 0 and a.state == "accepted":
        text = (
            f"The review of submission {a.submission_id} by reviewer {a.reviewer_id} "
            f"{_when(due, days)} The assignment is now marked overdue."
        )
        replaced = actions.pop().key if actions else None  # one message a day
        actions.append(
            _action(
                ActionKind.MARK_OVERDUE,
                a,
                DeadlineKind.REVIEW,
                due,
                days=days,
                message=text,
                notice_key=replaced,
            )
        )
    if days >= policy.escalate_after_days:
        text = (
            f"Reviewer {a.reviewer_id} has not submitted the review of submission "
            f"{a.submission_id}: {_when(due, days).removeprefix('is ')} "
            "Please follow up with the reviewer or reassign the review."
        )
        actions.append(
            _action(ActionKind.ESCALATE, a, DeadlineKind.REVIEW, due, days=days, message=text)
        )
    return actions


def _reminder(
    a: AssignmentDeadlines, deadline: DeadlineKind, due: date, days: int, policy: DeadlinePolicy
) -> list[DeadlineAction]:
    """The most recent reminder slot that has come due, or nothing before the first slot."""
    passed = [slot for slot in policy.reminder_slots() if slot <= days]
    if not passed:
        return []
    slot = passed[-1]
    text = f"{_subject(a, deadline)} {_when(due, days)}"
    return [_action(ActionKind.REMIND, a, deadline, due, days=days, message=text, slot=slot)]


def _action(
    kind: ActionKind,
    a: AssignmentDeadlines,
    deadline: DeadlineKind,
    due: date,
    *,
    days: int,
    message: str,
    slot: int | None = None,
    notice_key: str | None = None,
) -> DeadlineAction:
    key = f"{kind}:{a.assignment_id}:{deadline}:{due.isoformat()}"
    if slot is not None:
        key = f"{key}:{slot}"
    return DeadlineAction(
        kind=kind,
        assignment_id=a.assignment_id,
        submission_id=a.submission_id,
        reviewer_id=a.reviewer_id,
        deadline=deadline,
        due=due,
        days_from_due=days,
        key=key,
        message=message,
        notice_key=notice_key,
    )


def _subject(a: AssignmentDeadlines, deadline: DeadlineKind) -> str:
    if deadline is DeadlineKind.RESPOND:
        return f"Your answer to the invitation to review submission {a.submission_id}"
    return f"Your review of submission {a.submission_id}"


def _when(due: date, days: int) -> str:
    if days < 0:
        return f"is due in {_days(-days)} ({due.isoformat()})."
    if days == 0:
        return f"is due today ({due.isoformat()})."
    return f"is {_days(days)} overdue (it was due {due.isoformat()})."


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"
