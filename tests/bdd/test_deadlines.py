"""Steps for features/deadlines.feature (services and routing; SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import col, func, select

from qa.domain.deadlines import DeadlinePolicy
from qa.domain.score_input import ScoreInput
from qa.persistence.models import Assignment, AuditEntry, Notification
from qa.services.review.deadlines import DeadlineRun, apply_deadlines
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from tests.world import World

scenarios("deadlines.feature")
# Steps ask for `world` lazily; naming it here lets pytest parametrise over both databases.
pytestmark = pytest.mark.usefixtures("world")

ORDINALS = {"first": 0, "second": 1, "third": 2}


@dataclass
class Deadlines:
    """The submission under review, the policy, and the latest run of the deadlines."""

    world: World
    submission_id: int
    policy: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    day: date | None = None
    run: DeadlineRun | None = None
    queued_before_run: int = 0  # the highest notification id before the latest run

    def assignment(self, ordinal: str) -> Assignment:
        return self.world.assignments(self.submission_id)[ORDINALS[ordinal]]

    def apply(self, day: date) -> None:
        self.day = day
        with self.world.db.session() as session:
            self.queued_before_run = session.exec(select(func.max(Notification.id))).one() or 0
        self.run = apply_deadlines(self.world.db, today=day, policy=self.policy)

    def sent_in_last_run(self, recipient_id: int | None) -> list[Notification]:
        assert self.run is not None
        with self.world.db.session() as session:
            return list(
                session.exec(
                    select(Notification)
                    .where(
                        Notification.recipient_id == recipient_id,
                        col(Notification.id) > self.queued_before_run,
                    )
                    .order_by(col(Notification.id))
                )
            )


@given("a micro-credential in peer review with three invited reviewers", target_fixture="scene")
def _in_peer_review(world: World, good_descriptor: dict[str, Any]) -> Deadlines:
    submission_id = world.to_peer_review(good_descriptor)
    assert [a.state for a in world.assignments(submission_id)] == ["invited"] * 3
    return Deadlines(world, submission_id)


@given(
    parsers.parse(
        "overdue reviews are escalated to the QA officer {days:d} days after the review date"
    )
)
def _escalation_policy(scene: Deadlines, days: int) -> None:
    scene.policy = DeadlinePolicy(escalate_after_days=days)


@given(parsers.parse("the {ordinal} reviewer has accepted the invitation"))
def _accepted(scene: Deadlines, ordinal: str) -> None:
    invited = scene.assignment(ordinal)
    reviewer = scene.world.reviewer_for(invited)
    assert invited.id is not None
    done = respond(
        scene.world.db, reviewer, invited.id, expected_version=invited.version, accept=True
    )
    declare_conflict(
        scene.world.db, reviewer, invited.id, expected_version=done.version, has_conflict=False
    )


@when(
    parsers.re(
        r"the deadlines run (?P<days>\d+) days? (?P<side>before|after) "
        r"the (?P<deadline>answer|review) (?:is|was) due"
    ),
    converters={"days": int},
)
def _run(scene: Deadlines, days: int, side: str, deadline: str) -> None:
    first = scene.assignment("first")
    due = first.respond_by if deadline == "answer" else first.review_by
    assert due is not None
    scene.apply(due + timedelta(days=days if side == "after" else -days))


@when("the deadlines run again on the same day")
def _run_again(scene: Deadlines) -> None:
    assert scene.day is not None
    scene.apply(scene.day)


@when("routing looks for a replacement reviewer")
def _route(scene: Deadlines) -> None:
    assert scene.world.route().failed == {}


@when("the first reviewer submits the review after all")
def _submit(scene: Deadlines) -> None:
    late = scene.assignment("first")
    reviewer = scene.world.reviewer_for(late)
    assert late.id is not None
    for criterion in scene.world.rubric.criteria:
        save_review_score(
            scene.world.db, reviewer, late.id, ScoreInput(criterion.id, level=3, comment="seen")
        )
    submit_review(
        scene.world.db,
        reviewer,
        late.id,
        expected_version=late.version,
        recommendation="approved",
        summary="Late, but careful and well evidenced.",
    )


@then(parsers.parse('each invited reviewer gets one reminder saying "{text}"'))
def _each_reminded(scene: Deadlines, text: str) -> None:
    invited = [a for a in scene.world.assignments(scene.submission_id) if a.state == "invited"]
    assert invited
    for assignment in invited:
        (note,) = scene.sent_in_last_run(assignment.reviewer_id)
        assert note.key.startswith("remind:") and text in note.body


@then(parsers.parse('the {ordinal} reviewer gets a reminder saying "{text}"'))
def _reminded(scene: Deadlines, ordinal: str, text: str) -> None:
    notes = scene.sent_in_last_run(scene.assignment(ordinal).reviewer_id)
    assert any(n.key.startswith("remind:") and text in n.body for n in notes), notes


@then(parsers.parse('the {ordinal} reviewer gets one message, saying "{text}"'))
def _one_message(scene: Deadlines, ordinal: str, text: str) -> None:
    notes = scene.sent_in_last_run(scene.assignment(ordinal).reviewer_id)
    assert len(notes) == 1 and text in notes[0].body, notes


@then("nothing more is sent")
def _nothing(scene: Deadlines) -> None:
    assert scene.run == DeadlineRun()


@then(parsers.parse("the {ordinal} reviewer's review is marked overdue"))
def _overdue(scene: Deadlines, ordinal: str) -> None:
    late = scene.assignment(ordinal)
    assert late.state == "overdue"
    with scene.world.db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(
                AuditEntry.action == "assignment.overdue", AuditEntry.entity_id == str(late.id)
            )
        ).one()
    assert entry.after == {"state": "overdue"}


@then(parsers.parse("the {ordinal} reviewer's invitation is still open"))
def _still_open(scene: Deadlines, ordinal: str) -> None:
    assert scene.assignment(ordinal).state == "invited"


@then(parsers.parse("the {ordinal} reviewer's invitation is cancelled for want of an answer"))
def _expired(scene: Deadlines, ordinal: str) -> None:
    expired = scene.assignment(ordinal)
    assert expired.respond_by is not None
    assert expired.state == "cancelled"
    assert expired.decline_reason == f"No answer by {expired.respond_by.isoformat()}"


@then(parsers.parse("the {ordinal} reviewer is told that the invitation has expired"))
def _told_expired(scene: Deadlines, ordinal: str) -> None:
    (note,) = scene.sent_in_last_run(scene.assignment(ordinal).reviewer_id)
    assert note.key.startswith("expire:") and "expired" in note.subject


@then("nobody else is invited, because every reviewer has been asked")
def _no_replacement(scene: Deadlines) -> None:
    assignments = scene.world.assignments(scene.submission_id)
    assert len(assignments) == len(scene.world.reviewers)


@then(parsers.parse('every QA officer is told "{what}"'))
def _officers_told(scene: Deadlines, what: str) -> None:
    with scene.world.db.session() as session:
        notes = session.exec(select(Notification).where(col(Notification.subject).contains(what)))
        told = {note.recipient_id for note in notes}
    assert told == {officer.user_id for officer in scene.world.officers}


@then("no QA officer has been told about the review")
def _no_escalation(scene: Deadlines) -> None:
    assert scene.run is not None and scene.run.escalated == 0
    for officer in scene.world.officers:
        assert scene.sent_in_last_run(officer.user_id) == []


@then(parsers.parse("every QA officer is told that the {ordinal} reviewer's review is overdue"))
def _escalated(scene: Deadlines, ordinal: str) -> None:
    late = scene.assignment(ordinal)
    for officer in scene.world.officers:
        (note,) = scene.sent_in_last_run(officer.user_id)
        assert note.key.startswith(f"escalate:{late.id}:")
        assert "overdue" in note.subject and "has not submitted the review" in note.body


@then(parsers.parse("the {ordinal} reviewer's review is submitted"))
def _submitted(scene: Deadlines, ordinal: str) -> None:
    assert scene.assignment(ordinal).state == "submitted"
