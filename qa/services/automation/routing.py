"""The automated step each stage calls for, run by the routing flow for outbox messages.

Every step re-reads SQL and is idempotent: notifications are keyed, invitations only fill
the panel up to the configured size, stage moves are compare-and-set. Running a step twice,
or after a crash half-way, changes nothing the second time.

Two workers may hold messages for the same submission at once (a message queued while the
other worker routes). Each step therefore runs with the submission's row locked
(`locking.lock_submissions`): the second waits, then reads the panel the first has committed, so it
never invites a second panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select as sql_select
from sqlmodel import Session, col, func, select

from qa.domain.actor import Actor
from qa.domain.assignments import OPEN, SheetKind
from qa.domain.enums import Role, Stage
from qa.domain.review_settings import ReviewSettings
from qa.domain.reviewer_choice import Candidate, choose_reviewers
from qa.domain.stages import DECIDED_STAGES, Action
from qa.domain.validation import validate_descriptor
from qa.persistence.db import Database
from qa.persistence.locking import lock_submissions
from qa.persistence.models import (
    Assignment,
    DescriptorVersion,
    StageChange,
    Submission,
    User,
    UserRole,
)
from qa.services.people.notifications import notify, people_with_role
from qa.services.review.assessment import round_assessment, store_aggregates, submitted_reviews
from qa.services.review.conflicts import conflicted_reviewers
from qa.services.review.disclosure import for_provider_mail
from qa.services.review.reviews import active_assignments, close_open_assignments, invite_in
from qa.services.rubrics.scoresheets import ensure_sheet
from qa.services.submissions.lifecycle import load_submission, move

ROUTING_ACTOR = Actor.system("routing")


@dataclass(frozen=True)
class RoutingContext:
    today: date
    settings: ReviewSettings = field(default_factory=ReviewSettings)
    actor: Actor = ROUTING_ACTOR
    #: Looked up once per routing run (they change rarely within seconds): the QA officers,
    #: the reviewers with their institution, and each reviewer's open assignments (kept up
    #: to date as this run invites).
    officers: list[User] = field(default_factory=list, compare=False, repr=False)
    providers: dict[int, list[User]] = field(default_factory=dict, compare=False, repr=False)
    reviewers: list[tuple[Candidate, int | None]] = field(
        default_factory=list, compare=False, repr=False
    )
    loads: dict[int, int] = field(default_factory=dict, compare=False, repr=False)


def route_submission(db: Database, submission_id: int, ctx: RoutingContext) -> list[str]:
    """Run the automated step for the submission's current stage; return what was done."""
    with db.write() as session:
        lock_submissions(session, [submission_id])
        done = route_in(session, submission_id, ctx)
        session.commit()
        return done


def route_in(session: Session, submission_id: int, ctx: RoutingContext) -> list[str]:
    """The same inside the caller's transaction (the outbox drains many per commit).

    The caller holds the submission's lock (`locking.lock_submissions`).
    """
    return _step(session, load_submission(session, submission_id), ctx)


def _step(session: Session, submission: Submission, ctx: RoutingContext) -> list[str]:
    stage = Stage(submission.stage)
    if stage is Stage.SUBMITTED:
        return _intake(session, submission, ctx)
    if stage is Stage.SELF_ASSESSMENT:
        ensure_sheet(session, submission, SheetKind.SELF)
        last = _last_change(session, submission)
        if last is not None and last.from_stage == Stage.SCREENING:
            return _tell_provider(
                session,
                ctx,
                submission,
                "returned at screening",
                f"The QA office returned the file: {last.reason}\n"
                "Please revise the self-assessment and submit it again.",
            )
        return _tell_provider(
            session,
            ctx,
            submission,
            "self-assessment open",
            "Please complete the self-assessment against the rubric.",
        )
    if stage is Stage.SCREENING:
        return _tell_officers(
            session,
            ctx,
            submission,
            "ready for screening",
            "The provider submitted the self-assessment.",
        )
    if stage is Stage.PEER_REVIEW:
        return _peer_review(session, submission, ctx)
    if stage is Stage.MODERATION:
        return _tell_officers(
            session,
            ctx,
            submission,
            "needs moderation",
            "The reviewers disagree; agree a consensus score.",
        )
    if stage is Stage.SIGN_OFF:
        return _tell_officers(
            session,
            ctx,
            submission,
            "ready for sign-off",
            "All reviews are in; the file is ready for a decision.",
        )
    if stage in DECIDED_STAGES or stage is Stage.REVISE_AND_RESUBMIT:
        return _tell_provider(
            session,
            ctx,
            submission,
            f"decision: {stage.value.replace('_', ' ')}",
            "The decision and its rationale are available.",
        )
    return []


def _last_change(session: Session, submission: Submission) -> StageChange | None:
    return session.exec(
        select(StageChange)
        .where(StageChange.submission_id == submission.id)
        .order_by(col(StageChange.id).desc())
    ).first()


def _intake(session: Session, submission: Submission, ctx: RoutingContext) -> list[str]:
    descriptor = session.exec(
        select(DescriptorVersion).where(
            DescriptorVersion.submission_id == submission.id,
            DescriptorVersion.round_number == submission.current_round,
        )
    ).one()
    report = validate_descriptor(descriptor.data, today=ctx.today)
    if report.ok:
        moved = move(session, ctx.actor, submission, Action.INTAKE_ACCEPT)
        ensure_sheet(session, moved, SheetKind.SELF)
        return ["intake accepted", "self-assessment opened"]
    reasons = "; ".join(str(issue) for issue in report.errors)
    move(session, ctx.actor, submission, Action.INTAKE_RETURN, reason=reasons)
    return [f"intake returned: {reasons}"]


def _peer_review(session: Session, submission: Submission, ctx: RoutingContext) -> list[str]:
    reviews = submitted_reviews(session, submission)
    if len(reviews) >= ctx.settings.required_reviews:
        close_open_assignments(
            session, ctx.actor, submission, "the required number of reviews is in"
        )
        assessment = round_assessment(session, submission, reviews)
        store_aggregates(session, submission, assessment.as_dict())
        if assessment.disagreements:
            move(
                session,
                ctx.actor,
                submission,
                Action.REVIEWS_DISAGREE,
                details={"disputed": [c.criterion_id for c in assessment.disagreements]},
            )
            return ["reviews in: disagreement, to moderation"]
        move(
            session,
            ctx.actor,
            submission,
            Action.REVIEWS_AGREE,
            details={"recommended": assessment.recommended.value},
        )
        return [f"reviews in: to sign-off (recommended {assessment.recommended.value})"]
    return _fill_panel(session, submission, ctx)


def _fill_panel(session: Session, submission: Submission, ctx: RoutingContext) -> list[str]:
    active = active_assignments(session, submission)
    missing = ctx.settings.reviewers_to_invite - len(active)
    if missing <= 0:
        return []
    already = set(
        session.exec(
            select(Assignment.reviewer_id).where(
                Assignment.submission_id == submission.id,
                Assignment.round_number == submission.current_round,
            )
        )
    )
    field_of_study = (
        session.exec(
            select(DescriptorVersion.data).where(
                DescriptorVersion.submission_id == submission.id,
                DescriptorVersion.round_number == submission.current_round,
            )
        )
        .one()
        .get("field_of_study")
    )
    chosen = choose_reviewers(
        [c for c in _candidates(session, submission, ctx) if c.user_id not in already],
        field_of_study=field_of_study,
        panel=[a.panel_role for a in active],
        count=missing,
        max_load=ctx.settings.max_load,
    )
    for reviewer_id in chosen:
        invite_in(
            session, ctx.actor, submission, reviewer_id, today=ctx.today, settings=ctx.settings
        )
        ctx.loads[reviewer_id] = ctx.loads.get(reviewer_id, 0) + 1
    if len(chosen) < missing:
        _tell_officers(
            session,
            ctx,
            submission,
            f"not enough reviewers ({len(active) + len(chosen)} of "
            f"{ctx.settings.reviewers_to_invite})",
            f"Only {len(active) + len(chosen)} of "
            f"{ctx.settings.reviewers_to_invite} reviewers could be invited "
            "automatically; please invite more.",
        )
    return [f"invited reviewer {reviewer_id}" for reviewer_id in chosen]


def _candidates(session: Session, submission: Submission, ctx: RoutingContext) -> list[Candidate]:
    if not ctx.reviewers:
        _load_reviewers(session, ctx)
    blocked = conflicted_reviewers(session, submission)
    return [
        replace(candidate, open_assignments=ctx.loads.get(candidate.user_id, 0))
        for candidate, institution_id in ctx.reviewers
        if institution_id != submission.institution_id and candidate.user_id not in blocked
    ]


def _load_reviewers(session: Session, ctx: RoutingContext) -> None:
    """Reviewers and their open assignments, once per run (plain columns, two queries)."""
    rows = session.execute(
        sql_select(
            col(User.id), col(User.expertise), col(User.panel_role), col(User.institution_id)
        )
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(col(UserRole.role) == Role.REVIEWER.value, col(User.is_active))
    ).all()
    ctx.reviewers.extend(
        (Candidate(int(user_id), tuple(expertise or ()), panel_role, 0), institution_id)
        for user_id, expertise, panel_role, institution_id in rows
    )
    loads = session.exec(
        select(Assignment.reviewer_id, func.count())
        .where(col(Assignment.state).in_(OPEN))
        .group_by(col(Assignment.reviewer_id))
    ).all()
    ctx.loads.update({int(reviewer_id): int(count) for reviewer_id, count in loads})


# Notification keys carry the submission's version: the same stage reached again (a file
# returned at screening comes back to self-assessment) is news; a re-run of routing is not.


def _tell_provider(
    session: Session, ctx: RoutingContext, submission: Submission, what: str, body: str
) -> list[str]:
    if submission.institution_id not in ctx.providers:
        ctx.providers[submission.institution_id] = people_with_role(
            session, Role.PROVIDER, submission.institution_id
        )
    # the pseudonymity boundary: a provider's mail never names the office's people
    scrub = for_provider_mail(session, submission.institution_id)
    subject, text = scrub(f"{submission.title}: {what}"), scrub(body)
    sent = [
        person.username
        for person in ctx.providers[submission.institution_id]
        if notify(
            session,
            f"provider:{person.id}:{submission.id}:v{submission.version}:{submission.stage}",
            person,
            subject,
            text,
            submission_id=submission.id,
        )
    ]
    return [f"notified provider {name}: {what}" for name in sent]


def _tell_officers(
    session: Session, ctx: RoutingContext, submission: Submission, what: str, body: str
) -> list[str]:
    if not ctx.officers:
        ctx.officers.extend(people_with_role(session, Role.OFFICER))
    sent = [
        person.username
        for person in ctx.officers
        if notify(
            session,
            f"officer:{person.id}:{submission.id}:v{submission.version}:{submission.stage}:{what}",
            person,
            f"{submission.title}: {what}",
            body,
            submission_id=submission.id,
        )
    ]
    return [f"notified officer {name}: {what}" for name in sent]
