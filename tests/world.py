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
from qa.domain.scoring import Assessment
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    DescriptorVersion,
    Institution,
    Score,
    Scoresheet,
    Submission,
    SubmissionRound,
    UserRole,
)
from qa.persistence.models import Decision as DecisionRow
from qa.services.automation.outbox import BatchResult, drain
from qa.services.automation.routing import RoutingContext
from qa.services.people.institutions import add_institution
from qa.services.people.users import add_user
from qa.services.review.assessment import round_assessment
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from qa.services.review.self_assessment import save_self_score, screen, submit_self_assessment
from qa.services.rubrics.rubrics import current_rubric, load_rubrics_from
from qa.services.submissions.submissions import intake


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

    # -- helpers for the review-lifecycle features (tests/bdd) --------------------------------

    def add_reviewer(self, username: str, panel_role: str, expertise: list[str]) -> Actor:
        """One more reviewer in the pool (a replacement candidate)."""
        added = add_user(
            self.db,
            Actor.cli("tests"),
            username=username,
            email=f"{username}@example.org",
            display_name=username.title(),
            roles=["reviewer"],
            expertise=expertise,
            panel_role=panel_role,
        )
        reviewer = Actor(f"user {added.user.id}", added.user.id, frozenset({Role.REVIEWER}))
        self.reviewers.append(reviewer)
        return reviewer

    def add_agency_user(self, username: str, organisation_code: str) -> Actor:
        """An agency auditor belonging to an agency (created on first use)."""
        operator = Actor.cli("tests")
        with self.db.session() as session:
            known = session.exec(
                select(Institution.id).where(Institution.code == organisation_code)
            ).first()
        if known is None:
            add_institution(
                self.db,
                operator,
                code=organisation_code,
                name=f"Agency {organisation_code}",
                country="PT",
                kind="agency",
            )
        added = add_user(
            self.db,
            operator,
            username=username,
            email=f"{username}@agency.example",
            display_name=username.title(),
            roles=["agency"],
            institution_code=organisation_code,
        )
        return Actor(username, added.user.id, frozenset({Role.AGENCY}), added.user.institution_id)

    def make_officer(self, reviewer: Actor) -> Actor:
        """Give a reviewer the QA-officer role as well; returns the actor holding both."""
        assert reviewer.user_id is not None
        with self.db.write() as session:
            session.add(UserRole(user_id=reviewer.user_id, role=Role.OFFICER.value))
            session.commit()
        return Actor(reviewer.label, reviewer.user_id, reviewer.roles | {Role.OFFICER})

    def screen(
        self, submission_id: int, *, accept: bool, reasons: str | None = None, officer: int = 0
    ) -> Submission:
        """An officer's formal screening of the file as it is now."""
        return screen(
            self.db,
            self.officers[officer],
            submission_id,
            expected_version=self.submission(submission_id).version,
            accept=accept,
            reasons=reasons,
        )

    def to_peer_review(self, descriptor: dict[str, Any]) -> int:
        """Submit, self-assess at 3, pass screening and let routing invite the panel."""
        submission_id = self.submit(descriptor)
        self.route()
        self.self_assess(submission_id)
        self.screen(submission_id, accept=True)
        self.route()
        return submission_id

    def to_sign_off(self, descriptor: dict[str, Any]) -> int:
        """As `to_peer_review`, then two agreeing reviews (all 3s) and routing to sign-off."""
        submission_id = self.to_peer_review(descriptor)
        first, second, *_ = self.assignments(submission_id)
        self.review(first)
        self.review(second)
        self.route()
        assert self.stage(submission_id) == "sign_off"
        return submission_id

    def round_assignments(self, submission_id: int) -> list[Assignment]:
        """Assignments of the submission's current round, in invitation order."""
        current = self.submission(submission_id).current_round
        return [a for a in self.assignments(submission_id) if a.round_number == current]

    def panel_member(self, submission_id: int, panel_role: str) -> Assignment:
        """The first reviewer invited to the current round in this panel role."""
        return next(a for a in self.round_assignments(submission_id) if a.panel_role == panel_role)

    def assignment(self, assignment_id: int) -> Assignment:
        with self.db.session() as session:
            found = session.get(Assignment, assignment_id)
        assert found is not None
        return found

    def assessment(self, submission_id: int) -> Assessment:
        """The scoring result and recommended decision the sign-off officer sees."""
        with self.db.session() as session:
            return round_assessment(session, self.submission(submission_id))

    def sheets(
        self, submission_id: int, kind: str, round_number: int | None = None
    ) -> list[Scoresheet]:
        """Score sheets of one kind (self, peer, consensus), oldest revision first."""
        number = round_number or self.submission(submission_id).current_round
        with self.db.session() as session:
            return list(
                session.exec(
                    select(Scoresheet)
                    .where(
                        Scoresheet.submission_id == submission_id,
                        Scoresheet.round_number == number,
                        Scoresheet.kind == kind,
                    )
                    .order_by(col(Scoresheet.id))
                )
            )

    def scores(self, sheet: Scoresheet) -> dict[str, Score]:
        with self.db.session() as session:
            rows = session.exec(select(Score).where(Score.scoresheet_id == sheet.id))
            return {row.criterion_id: row for row in rows}

    def decisions(self, submission_id: int) -> list[DecisionRow]:
        with self.db.session() as session:
            return list(
                session.exec(
                    select(DecisionRow)
                    .where(DecisionRow.submission_id == submission_id)
                    .order_by(col(DecisionRow.id))
                )
            )

    def round_record(self, submission_id: int, round_number: int) -> dict[str, Any]:
        """Everything stored for one round, as plain data: descriptor, sheets, decisions."""
        with self.db.session() as session:
            descriptor = session.exec(
                select(DescriptorVersion).where(
                    DescriptorVersion.submission_id == submission_id,
                    DescriptorVersion.round_number == round_number,
                )
            ).one()
            round_row = session.exec(
                select(SubmissionRound).where(
                    SubmissionRound.submission_id == submission_id,
                    SubmissionRound.number == round_number,
                )
            ).one()
            sheets = session.exec(
                select(Scoresheet)
                .where(
                    Scoresheet.submission_id == submission_id,
                    Scoresheet.round_number == round_number,
                )
                .order_by(col(Scoresheet.id))
            ).all()
            decisions = session.exec(
                select(DecisionRow).where(
                    DecisionRow.submission_id == submission_id,
                    DecisionRow.round_number == round_number,
                )
            ).all()
            return {
                "descriptor": descriptor.model_dump(mode="json"),
                "round": round_row.model_dump(mode="json"),
                "sheets": [
                    sheet.model_dump(mode="json")
                    | {
                        "scores": [
                            score.model_dump(mode="json")
                            for score in session.exec(
                                select(Score)
                                .where(Score.scoresheet_id == sheet.id)
                                .order_by(col(Score.criterion_id))
                            )
                        ]
                    }
                    for sheet in sheets
                ],
                "decisions": [d.model_dump(mode="json") for d in decisions],
            }


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
