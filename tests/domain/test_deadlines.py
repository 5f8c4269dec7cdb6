"""Reviewer deadlines: reminders before and after, overdue, escalation, expiry and their keys."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Final

import pytest

from qa.domain.deadlines import (
    ActionKind,
    AssignmentDeadlines,
    DeadlineAction,
    DeadlineKind,
    DeadlinePolicy,
    due_actions,
)

DUE: Final = date(2027, 3, 10)  # every table below is relative to this frozen due date
IDLE_STATES: Final = ("declined", "submitted", "cancelled")
DEFAULT: Final = DeadlinePolicy()


def assignment(
    state: str,
    *,
    respond_by: date | None = DUE,
    review_by: date | None = DUE,
    assignment_id: int = 42,
) -> AssignmentDeadlines:
    return AssignmentDeadlines(
        assignment_id=assignment_id,
        submission_id=7,
        reviewer_id=5,
        state=state,
        respond_by=respond_by,
        review_by=review_by,
    )


def brief(action: DeadlineAction) -> str:
    """'remind:-3' for a reminder (its slot is the last part of the key), else the kind."""
    if action.kind is ActionKind.REMIND:
        return f"remind:{action.key.rsplit(':', 1)[1]}"
    return str(action.kind)


def briefs(state: str, offset: int, policy: DeadlinePolicy = DEFAULT) -> list[str]:
    today = DUE + timedelta(days=offset)
    return [brief(a) for a in due_actions([assignment(state)], today=today, policy=policy)]


# -- each state, around its due date ------------------------------------------------------------

REVIEW_TABLE: Final = [
    # state, days from review_by, what is due (the store drops keys it has already seen)
    ("accepted", -10, []),
    ("accepted", -4, []),
    ("accepted", -3, ["remind:-3"]),  # exactly 3 days before
    ("accepted", -2, ["remind:-3"]),  # same key as yesterday: harmless
    ("accepted", -1, ["remind:-1"]),
    ("accepted", 0, ["remind:-1"]),  # the due day itself is not overdue yet
    ("accepted", 1, ["mark_overdue"]),  # 1 day after: its notice replaces remind:1
    ("accepted", 2, ["mark_overdue"]),
    ("accepted", 3, ["mark_overdue"]),
    ("accepted", 4, ["mark_overdue"]),
    ("accepted", 5, ["mark_overdue", "escalate"]),
    ("accepted", 40, ["mark_overdue", "escalate"]),
    ("overdue", 1, ["remind:1"]),  # already marked: no second mark
    ("overdue", 4, ["remind:3"]),
    ("overdue", 5, ["remind:3", "escalate"]),
]
RESPOND_TABLE: Final = [
    ("invited", -4, []),
    ("invited", -3, ["remind:-3"]),
    ("invited", -1, ["remind:-1"]),
    ("invited", 0, ["remind:-1"]),
    ("invited", 1, ["remind:1"]),  # invitations are never "marked overdue"
    ("invited", 2, ["remind:1"]),
    ("invited", 3, ["expire"]),  # expiry stops the respond reminders (remind:3 never comes)
    ("invited", 30, ["expire"]),
]
IDLE_TABLE: Final[list[tuple[str, int, list[str]]]] = [
    (state, offset, []) for state in IDLE_STATES for offset in (-3, 0, 1, 5, 30)
]


@pytest.mark.parametrize(("state", "offset", "expected"), REVIEW_TABLE + RESPOND_TABLE + IDLE_TABLE)
def test_what_is_due_by_state_and_day(state: str, offset: int, expected: list[str]) -> None:
    assert briefs(state, offset) == expected


@pytest.mark.parametrize(
    ("state", "deadline"), [("invited", DeadlineKind.RESPOND), ("accepted", DeadlineKind.REVIEW)]
)
@pytest.mark.parametrize("offset", [-3, 0, 1, 5])
def test_actions_carry_the_deadline_and_the_days_as_of_today(
    state: str, deadline: DeadlineKind, offset: int
) -> None:
    actions = due_actions([assignment(state)], today=DUE + timedelta(days=offset))
    assert actions
    for action in actions:
        assert (action.assignment_id, action.submission_id, action.reviewer_id) == (42, 7, 5)
        assert (action.deadline, action.due, action.days_from_due) == (deadline, DUE, offset)


@pytest.mark.parametrize(
    ("state", "offset", "kind", "message"),
    [
        ("accepted", -3, "remind", "Your review of submission 7 is due in 3 days (2027-03-10)."),
        ("accepted", -1, "remind", "Your review of submission 7 is due in 1 day (2027-03-10)."),
        ("accepted", 0, "remind", "Your review of submission 7 is due today (2027-03-10)."),
        (
            "overdue", 1, "remind",
            "Your review of submission 7 is 1 day overdue (it was due 2027-03-10).",
        ),
        (
            "accepted", 1, "mark_overdue",
            "The review of submission 7 by reviewer 5 is 1 day overdue (it was due 2027-03-10). "
            "The assignment is now marked overdue.",
        ),
        (
            "overdue", 6, "escalate",
            "Reviewer 5 has not submitted the review of submission 7: 6 days overdue "
            "(it was due 2027-03-10). Please follow up with the reviewer or reassign the review.",
        ),
        (
            "invited", -3, "remind",
            "Your answer to the invitation to review submission 7 is due in 3 days (2027-03-10).",
        ),
        (
            "invited", 3, "expire",
            "The invitation of reviewer 5 to review submission 7 was not answered by 2027-03-10 "
            "and has expired.",
        ),
    ],
)  # fmt: skip
def test_messages_are_plain_words(state: str, offset: int, kind: str, message: str) -> None:
    actions = due_actions([assignment(state)], today=DUE + timedelta(days=offset))
    assert [a.message for a in actions if a.kind == kind] == [message]


@pytest.mark.parametrize(
    ("state", "respond_by", "review_by"),
    [
        ("invited", None, DUE),  # no respond_by: nothing, and review_by is not its deadline yet
        ("accepted", DUE, None),  # accepted: the invitation deadline no longer matters
        ("overdue", DUE, None),
    ],
)
def test_a_missing_date_gives_nothing_for_that_deadline(
    state: str, respond_by: date | None, review_by: date | None
) -> None:
    one = assignment(state, respond_by=respond_by, review_by=review_by)
    for offset in range(-5, 40):
        assert due_actions([one], today=DUE + timedelta(days=offset)) == []


# -- catch-up after the scheduler was down -----------------------------------------------------


@pytest.mark.parametrize(
    ("state", "offset", "expected"),
    [
        # last run 10 days earlier: the newest reminder only, worded for today, plus the rest
        ("accepted", 5, ["mark_overdue", "escalate"]),
        ("accepted", 0, ["remind:-1"]),
        ("invited", 1, ["remind:1"]),
        ("invited", 4, ["expire"]),
    ],
)
def test_catch_up_gives_the_newest_reminder_not_a_burst(
    state: str, offset: int, expected: list[str]
) -> None:
    assert briefs(state, offset) == expected


@pytest.mark.parametrize(("offset", "slot"), [(1, 1), (2, 1), (3, 3), (9, 3)])
def test_the_overdue_notice_takes_the_place_of_the_day_s_reminder(offset: int, slot: int) -> None:
    today = DUE + timedelta(days=offset)
    mark = due_actions([assignment("accepted")], today=today)[0]
    assert mark.kind is ActionKind.MARK_OVERDUE
    assert mark.notice_key == f"remind:42:review:{DUE.isoformat()}:{slot}"
    # the next day the assignment is overdue: that reminder's key is already taken
    later = due_actions([assignment("overdue")], today=today)
    assert [a.key for a in later if a.kind is ActionKind.REMIND] == [mark.notice_key]


def test_without_after_reminders_the_overdue_notice_has_its_own_key() -> None:
    policy = DeadlinePolicy(remind_before_days=(), remind_after_days=())
    [mark] = due_actions([assignment("accepted")], today=DUE + timedelta(days=1), policy=policy)
    assert (mark.kind, mark.notice_key) == (ActionKind.MARK_OVERDUE, None)


class Flow:
    """The deadlines flow in miniature: a store with a unique key and the state changes."""

    def __init__(self, start: AssignmentDeadlines) -> None:
        self.current = start
        self.store: dict[str, tuple[object, ...]] = {}  # key -> the logical action it names
        self.done: list[tuple[date, DeadlineAction]] = []

    def run(self, today: date) -> None:
        for action in due_actions([self.current], today=today):
            identity = (action.kind, action.assignment_id, action.deadline, action.due)
            if action.key in self.store:  # the unique constraint: a re-run repeats nothing
                assert self.store[action.key] == identity, "one key, two different actions"
                continue
            self.store[action.key] = identity
            if action.notice_key is not None:  # the overdue notice, in place of a reminder
                assert action.notice_key not in self.store, "a reminder went out as well"
                self.store[action.notice_key] = (
                    ActionKind.REMIND,
                    action.assignment_id,
                    action.deadline,
                    action.due,
                )
            self.done.append((today, action))
            if action.kind is ActionKind.MARK_OVERDUE:
                self.current = replace(self.current, state="overdue")
            elif action.kind is ActionKind.EXPIRE:
                self.current = replace(self.current, state="cancelled")

    def simulate(
        self, start: date, days: int, events: Mapping[date, dict[str, Any]], down: range = range(0)
    ) -> list[tuple[int, str, str]]:
        """Run twice a day (hourly runs behave the same) unless the scheduler is down."""
        for n in range(days):
            today = start + timedelta(days=n)
            if today in events:
                self.current = replace(self.current, **events[today])
            if n in down:
                continue
            self.run(today)
            done_before = len(self.done)
            self.run(today)
            assert len(self.done) == done_before, "a second run on the same day did something"
        return [((d - start).days, a.deadline, brief(a)) for d, a in self.done]


def test_ten_days_down_gives_one_reminder_per_series_and_no_stale_ones() -> None:
    start = DUE - timedelta(days=12)
    flow = Flow(assignment("accepted"))
    # down for 10 days, from 5 days before the due date: all four reminder slots are missed
    done = flow.simulate(start, 20, {}, down=range(7, 17))
    assert done == [
        (17, "review", "mark_overdue"),
        (17, "review", "escalate"),
    ]
    flow = Flow(assignment("accepted"))
    # down for the whole before-series, back on the due day, then running daily again
    assert flow.simulate(start, 20, {}, down=range(2, 12)) == [
        (12, "review", "remind:-1"),
        (13, "review", "mark_overdue"),  # the notice in place of remind:1
        (15, "review", "remind:3"),
        (17, "review", "escalate"),
    ]


# -- a 20-day life: invited -> accepted -> submitted -------------------------------------------


def test_twenty_days_of_one_assignment_give_what_a_reviewer_expects() -> None:
    start = date(2027, 3, 1)
    flow = Flow(assignment("invited", respond_by=date(2027, 3, 4), review_by=date(2027, 3, 14)))
    events = {date(2027, 3, 6): {"state": "accepted"}, date(2027, 3, 20): {"state": "submitted"}}
    done = flow.simulate(start, 20, events)
    assert done == [
        (0, "respond", "remind:-3"),
        (2, "respond", "remind:-1"),
        (4, "respond", "remind:1"),  # answered a day late, before the invitation expired
        (10, "review", "remind:-3"),
        (12, "review", "remind:-1"),
        (14, "review", "mark_overdue"),  # one message that day: the overdue notice
        (16, "review", "remind:3"),
        (18, "review", "escalate"),  # submitted on day 19: nothing after that
    ]
    keys = [action.key for _, action in flow.done]
    assert len(set(keys)) == len(keys)
    assert keys[:2] == ["remind:42:respond:2027-03-04:-3", "remind:42:respond:2027-03-04:-1"]
    assert keys[-1] == "escalate:42:review:2027-03-14"


def test_an_unanswered_invitation_expires_and_its_reminders_stop() -> None:
    flow = Flow(assignment("invited"))
    assert flow.simulate(DUE - timedelta(days=5), 30, {}) == [
        (2, "respond", "remind:-3"),
        (4, "respond", "remind:-1"),
        (6, "respond", "remind:1"),
        (8, "respond", "expire"),  # remind:3 would fall on the same day: expiry wins
    ]
    assert flow.current.state == "cancelled"


def test_keys_are_stable_and_distinct() -> None:
    seen: dict[str, set[tuple[object, ...]]] = {}
    for state in ("invited", "accepted", "overdue"):
        for assignment_id in (4, 42, 420):
            one = assignment(state, assignment_id=assignment_id)
            for offset in range(-10, 20):
                today = DUE + timedelta(days=offset)
                first, again = (due_actions([one], today=today) for _ in range(2))
                assert first == again  # deterministic: running twice changes nothing
                for a in first:
                    slot = brief(a)
                    seen.setdefault(a.key, set()).add((a.kind, a.assignment_id, a.deadline, slot))
    assert all(len(meanings) == 1 for meanings in seen.values())  # one key, one action
    assert "remind:42:review:2027-03-10:-3" in seen
    assert "remind:42:review:2027-03-10:-1" in seen  # 3 and 1 day before differ
    assert len(seen) == len({next(iter(m)) for m in seen.values()})  # and vice versa


def test_an_extended_deadline_starts_a_fresh_series() -> None:
    before = due_actions([assignment("overdue")], today=DUE + timedelta(days=5))
    extended = assignment("accepted", review_by=DUE + timedelta(days=7))
    after = due_actions([extended], today=DUE + timedelta(days=4))
    assert [brief(a) for a in after] == ["remind:-3"]
    assert {a.key for a in before}.isdisjoint(a.key for a in after)


def test_output_is_ordered_by_assignment_deadline_and_kind() -> None:
    today = DUE + timedelta(days=5)
    batch = [
        assignment("accepted", assignment_id=9),
        assignment("invited", assignment_id=3),
        assignment("submitted", assignment_id=1),
        assignment("accepted", assignment_id=5),
    ]
    actions = due_actions(batch, today=today)
    assert [(a.assignment_id, brief(a)) for a in actions] == [
        (3, "expire"),
        (5, "mark_overdue"),
        (5, "escalate"),
        (9, "mark_overdue"),
        (9, "escalate"),
    ]
    assert due_actions(reversed(batch), today=today) == actions


# -- policies -------------------------------------------------------------------------------


def test_a_custom_policy() -> None:
    policy = DeadlinePolicy(
        remind_before_days=(7, 0),
        remind_after_days=(0, 2),  # 0 in both series is one reminder on the due day
        escalate_after_days=10,
        expire_invitation_after_days=1,
    )
    assert policy.reminder_slots() == (-7, 0, 2)
    assert [briefs("accepted", d, policy) for d in (-8, -7, -1, 0, 2, 9, 10)] == [
        [],
        ["remind:-7"],
        ["remind:-7"],
        ["remind:0"],
        ["mark_overdue"],
        ["mark_overdue"],
        ["mark_overdue", "escalate"],
    ]
    assert briefs("invited", 1, policy) == ["expire"]
    quiet = DeadlinePolicy(remind_before_days=(), remind_after_days=())
    assert briefs("accepted", -1, quiet) == []
    assert briefs("accepted", 5, quiet) == ["mark_overdue", "escalate"]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"remind_before_days": (3, -1)}, "remind_before_days cannot contain negative days"),
        ({"remind_before_days": (1, 3)}, "remind_before_days must be in decreasing"),
        ({"remind_before_days": (3, 3)}, "without repeats"),
        ({"remind_before_days": [3, 1]}, "must be a tuple of whole numbers"),
        ({"remind_after_days": (3, 1)}, "remind_after_days must be in increasing"),
        ({"remind_after_days": (1, 1)}, "without repeats"),
        ({"remind_after_days": (1.5,)}, "must be a tuple of whole numbers"),
        ({"remind_after_days": (True,)}, "must be a tuple of whole numbers"),
        ({"escalate_after_days": -1}, "escalate_after_days must be a whole number of days"),
        ({"expire_invitation_after_days": -3}, "expire_invitation_after_days must be a whole"),
    ],
)
def test_policy_validation(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        DeadlinePolicy(**changes)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown state 'pending'"):
        due_actions([assignment("pending")], today=DUE)
    with pytest.raises(ValueError, match="assignment 42 is listed twice"):
        due_actions([assignment("accepted"), assignment("invited")], today=DUE)
    with pytest.raises(TypeError, match="today must be a date"):
        due_actions([assignment("accepted")], today=datetime(2027, 3, 10, 9))  # noqa: DTZ001
