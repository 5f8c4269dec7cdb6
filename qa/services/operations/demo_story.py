"""Drive the demo submissions into every stage of the lifecycle, through the real services.

Simulated people act exactly as users would (so the audit trail, notifications and routing
are the real thing): providers submit and self-assess, officers screen and sign off,
reviewers answer, declare no conflict and score.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.enums import Role, Stage
from qa.domain.review_settings import ReviewSettings
from qa.domain.rubric import Rubric
from qa.domain.score_input import ScoreInput
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Submission, User, UserRole
from qa.services.automation.outbox import drain
from qa.services.automation.routing import RoutingContext
from qa.services.decisions.decisions import ConditionInput, sign_off, withdraw
from qa.services.review.assessment import round_assessment
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from qa.services.review.self_assessment import save_self_score, screen, submit_self_assessment
from qa.services.rubrics.rubrics import current_rubric
from qa.services.submissions.submissions import submit_descriptor

#: Where each demo credential (in file order) ends up; drafts stay drafts.
TARGETS = (
    "approved",
    "approved_with_conditions",
    "sign_off",
    "moderation",
    "peer_review",
    "peer_review",
    "screening",
    "self_assessment",
    "revise_and_resubmit",
    "withdrawn",
    "sign_off",
    "approved",
    "draft",
    "draft",
    "draft",
    "draft",
    "self_assessment",
    "screening",
    "peer_review",
    "draft",
)
_ORDER = ("submitted", "self_assessment", "screening", "peer_review", "reviewed", "decided")
_EVIDENCE = (
    "Programme approval record (board minutes).pdf",
    "Course handbook, section on assessment.pdf",
    "Stakeholder consultation report.pdf",
)


def actor_for(db: Database, user: User) -> Actor:
    with db.session() as session:
        roles = session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all()
    return Actor(user.display_name, user.id, frozenset(Role(r) for r in roles), user.institution_id)


@dataclass
class Story:
    db: Database
    today: date
    rubric: Rubric
    officers: list[Actor]
    settings: ReviewSettings

    def route(self) -> None:
        drain(self.db, RoutingContext(today=self.today, settings=self.settings), worker="demo")

    def submission(self, submission_id: int) -> Submission:
        with self.db.session() as session:
            found = session.get(Submission, submission_id)
        assert found is not None
        return found

    def provider_of(self, submission: Submission) -> Actor:
        with self.db.session() as session:
            user = session.exec(
                select(User)
                .join(UserRole, col(UserRole.user_id) == col(User.id))
                .where(
                    User.institution_id == submission.institution_id,
                    UserRole.role == Role.PROVIDER.value,
                )
            ).first()
        assert user is not None
        return actor_for(self.db, user)


def level_for(submission_id: int, criterion_id: str, salt: str = "") -> int:
    """Deterministic, realistic levels: mostly 3, some 2."""
    return 2 if zlib.crc32(f"{submission_id}{criterion_id}{salt}".encode()) % 4 == 0 else 3


def tell(db: Database, today: date, submissions: list[tuple[int, str]]) -> None:
    """Move each (submission id, target stage) pair; the submissions start as drafts."""
    with db.session() as session:
        officers = [
            actor_for(db, user)
            for user in session.exec(
                select(User)
                .join(UserRole, col(UserRole.user_id) == col(User.id))
                .where(UserRole.role == Role.OFFICER.value)
                .order_by(col(User.id))
            )
        ]
    story = Story(db, today, current_rubric(db)[1], officers, ReviewSettings())
    active = [(sid, target) for sid, target in submissions if target != Stage.DRAFT.value]
    for step in _ORDER:
        for sid, target in active:
            if _needs(step, target):
                _do(story, step, sid, target)
        story.route()


def _needs(step: str, target: str) -> bool:
    reach = {
        "self_assessment": 1,
        "withdrawn": 1,
        "screening": 1,
        "peer_review": 2,
        "moderation": 3,
        "sign_off": 3,
    }.get(target, 5)
    return _ORDER.index(step) <= reach


def _do(story: Story, step: str, sid: int, target: str) -> None:
    submission = story.submission(sid)
    provider = story.provider_of(submission)
    if step == "submitted":
        submit_descriptor(
            story.db, provider, sid, expected_version=submission.version, today=story.today
        )
    elif step == "self_assessment" and target == "withdrawn":
        withdraw(
            story.db,
            provider,
            sid,
            expected_version=submission.version,
            reason="The course will be redesigned with our employer partners first.",
        )
    elif step == "self_assessment":
        _self_assess(story, provider, sid, submit=target != "self_assessment")
    elif step == "screening":
        screen(story.db, story.officers[0], sid, expected_version=submission.version, accept=True)
    elif step == "peer_review":
        _review(story, sid, target)
    elif step == "reviewed" and target == "moderation":
        pass  # stays in moderation, waiting for the officer
    elif step == "decided":
        _decide(story, sid, target)


def _self_assess(story: Story, provider: Actor, sid: int, *, submit: bool) -> None:
    for n, criterion in enumerate(story.rubric.criteria):
        save_self_score(
            story.db,
            provider,
            sid,
            ScoreInput(
                criterion.id,
                level=level_for(sid, criterion.id, "self") if n % 17 else 3,
                comment="See the attached evidence.",
                evidence_refs=(_EVIDENCE[n % 3],),
            ),
        )
    if submit:
        version = story.submission(sid).version
        submit_self_assessment(story.db, provider, sid, expected_version=version)


def _review(story: Story, sid: int, target: str) -> None:
    with story.db.session() as session:
        assignments = list(
            session.exec(
                select(Assignment)
                .where(Assignment.submission_id == sid)
                .order_by(col(Assignment.id))
            )
        )
    reviewers = 1 if target == "peer_review" else 2
    for n, assignment in enumerate(assignments[:reviewers]):
        with story.db.session() as session:
            user = session.get(User, assignment.reviewer_id)
        assert user is not None
        assert assignment.id is not None
        reviewer = actor_for(story.db, user)
        done = respond(
            story.db, reviewer, assignment.id, expected_version=assignment.version, accept=True
        )
        done = declare_conflict(
            story.db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
        )
        for criterion in story.rubric.criteria:
            level = _review_level(sid, criterion.id, target, n)
            save_review_score(
                story.db,
                reviewer,
                assignment.id,
                ScoreInput(
                    criterion.id,
                    level=level,
                    comment=_comment(level),
                ),
            )
        recommendation = {
            "approved_with_conditions": "approved_with_conditions",
            "revise_and_resubmit": "revise_and_resubmit",
        }.get(target, "approved")
        submit_review(
            story.db,
            reviewer,
            assignment.id,
            expected_version=done.version,
            recommendation=recommendation,
            summary="Clear outcomes and sound assessment; see the comments per "
            "criterion for the points to strengthen.",
        )


def _review_level(sid: int, criterion_id: str, target: str, reviewer: int) -> int:
    if target == "approved_with_conditions" and criterion_id == "RECG-2":
        return 0
    if target == "revise_and_resubmit" and criterion_id == "VASS-2":
        return 0
    if target == "moderation" and criterion_id == "QUAL-3":
        return 3 if reviewer == 0 else 0
    return level_for(sid, criterion_id, f"r{reviewer}")


def _comment(level: int) -> str:
    return {0: "Not evidenced at all.", 2: "Largely met; minor gaps.", 3: "Fully met."}.get(
        level, "Partly met."
    )


def _decide(story: Story, sid: int, target: str) -> None:
    if target not in ("approved", "approved_with_conditions", "revise_and_resubmit"):
        return
    submission = story.submission(sid)
    with story.db.session() as session:
        recommended = round_assessment(session, submission).recommended.value
    conditions = (
        [
            ConditionInput(
                "Publish a procedure for recognising other providers' micro-credentials",
                "Head of the academic office",
                story.today + timedelta(days=120),
            )
        ]
        if target == "approved_with_conditions"
        else []
    )
    sign_off(
        story.db,
        story.officers[1],
        sid,
        expected_version=submission.version,
        decision=recommended,
        rationale=(
            "Publish the assessment criteria and pass thresholds before enrolment (VASS-2), "
            "then resubmit."
            if recommended == "revise_and_resubmit"
            else None
        ),
        today=story.today,
        conditions=conditions,
    )
