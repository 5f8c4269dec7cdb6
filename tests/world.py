"""A small review world for lifecycle tests: one provider, three reviewers, two officers.

Tests drive it through the services exactly as the web UI and the routing flow will.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import col, select

from qa.config import bundled_rubrics_dir
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.review_settings import ReviewSettings
from qa.domain.rubric import Rubric
from qa.domain.score_input import ScoreInput
from qa.persistence.db import Database
from qa.persistence.models import Assignment, Submission
from qa.services.institutions import add_institution
from qa.services.outbox import BatchResult, drain
from qa.services.reviews import declare_conflict, respond, save_review_score, submit_review
from qa.services.routing import RoutingContext
from qa.services.rubrics import current_rubric, load_rubrics_from
from qa.services.self_assessment import save_self_score, submit_self_assessment
from qa.services.submissions import intake
from qa.services.users import add_user


@dataclass
class World:
    db: Database
    today: date
    provider: Actor
    reviewers: list[Actor]
    officers: list[Actor]
    rubric: Rubric
    settings: ReviewSettings = field(default_factory=ReviewSettings)

    def route(self) -> BatchResult:
        return drain(self.db, RoutingContext(today=self.today, settings=self.settings))

    def submission(self, submission_id: int) -> Submission:
        with self.db.session() as session:
            found = session.get(Submission, submission_id)
        assert found is not None
        return found

    def stage(self, submission_id: int) -> str:
        return self.submission(submission_id).stage

    def submit(self, descriptor: dict[str, Any]) -> int:
        assert self.provider.institution_id is not None
        submitted = intake(
            self.db, self.provider, self.provider.institution_id, descriptor, today=self.today
        )
        assert submitted.id is not None
        return submitted.id

    def self_assess(self, submission_id: int, level: int = 3, submit: bool = True) -> None:
        for criterion in self.rubric.criteria:
            save_self_score(
                self.db,
                self.provider,
                submission_id,
                ScoreInput(
                    criterion.id, level=level, evidence_refs=(f"evidence/{criterion.id}.pdf",)
                ),
            )
        if submit:
            version = self.submission(submission_id).version
            submit_self_assessment(self.db, self.provider, submission_id, expected_version=version)

    def assignments(self, submission_id: int) -> list[Assignment]:
        with self.db.session() as session:
            return list(
                session.exec(
                    select(Assignment)
                    .where(Assignment.submission_id == submission_id)
                    .order_by(col(Assignment.id))
                )
            )

    def reviewer_for(self, assignment: Assignment) -> Actor:
        return next(r for r in self.reviewers if r.user_id == assignment.reviewer_id)

    def review(
        self,
        assignment: Assignment,
        levels: dict[str, int] | int = 3,
        recommendation: str = "approved",
    ) -> None:
        """Accept, declare no conflict, score every criterion and submit."""
        reviewer = self.reviewer_for(assignment)
        assert assignment.id is not None
        done = respond(
            self.db, reviewer, assignment.id, expected_version=assignment.version, accept=True
        )
        done = declare_conflict(
            self.db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
        )
        for criterion in self.rubric.criteria:
            level = levels if isinstance(levels, int) else levels.get(criterion.id, 3)
            save_review_score(
                self.db,
                reviewer,
                assignment.id,
                ScoreInput(criterion.id, level=level, comment="seen"),
            )
        submit_review(
            self.db,
            reviewer,
            assignment.id,
            expected_version=done.version,
            recommendation=recommendation,
            summary="A careful, well evidenced micro-credential.",
        )


def build_world(db: Database, today: date) -> World:
    operator = Actor.cli("tests")
    load_rubrics_from(db, operator, bundled_rubrics_dir())
    provider_inst = add_institution(
        db, operator, code="PT-IPVN", name="Instituto Politécnico", country="PT"
    )
    assert provider_inst.id is not None
    provider = add_user(
        db,
        operator,
        username="ines",
        email="ines@example.org",
        display_name="Inês Araújo",
        roles=["provider"],
        institution_code="PT-IPVN",
    )
    reviewers = [
        add_user(
            db,
            operator,
            username=name,
            email=f"{name}@example.org",
            display_name=name.title(),
            roles=["reviewer"],
            expertise=expertise,
            panel_role=panel,
        )
        for name, expertise, panel in (
            ("agnieszka", ["0542"], "subject_expert"),
            ("soren", ["0613"], "labour_market"),
            ("lucia", [], "learner"),
        )
    ]
    officers = [
        add_user(
            db,
            operator,
            username=name,
            email=f"{name}@example.org",
            display_name=name.title(),
            roles=["officer"],
        )
        for name in ("aoife", "lukas")
    ]

    def as_actor(user_id: int | None, role: Role, institution_id: int | None = None) -> Actor:
        return Actor(f"user {user_id}", user_id, frozenset({role}), institution_id)

    return World(
        db=db,
        today=today,
        provider=as_actor(provider.user.id, Role.PROVIDER, provider_inst.id),
        reviewers=[as_actor(r.user.id, Role.REVIEWER) for r in reviewers],
        officers=[as_actor(o.user.id, Role.OFFICER) for o in officers],
        rubric=current_rubric(db)[1],
    )
