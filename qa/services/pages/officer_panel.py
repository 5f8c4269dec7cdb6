"""The review panel as the officer sees it: assignments and the reviewers who could join."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from qa.domain.assignments import (
    CoiStatus,
    awaits_answer,
    can_score,
    is_ended,
    is_on_panel,
    is_open,
    is_overdue,
    is_submitted,
    renewable,
    state_tone,
)
from qa.domain.enums import Role, Stage
from qa.domain.review_settings import ReviewSettings
from qa.domain.reviewer_choice import PANEL_ROLES, Candidate, choose_reviewers, expertise_match
from qa.persistence.models import Assignment, ExtensionRequest, Submission, User, UserRole
from qa.services.review.assignments import open_loads
from qa.services.review.extensions import pending_requests


@dataclass(frozen=True)
class AssignmentView:
    id: int
    reviewer_id: int
    reviewer: str
    panel_role: str | None
    state: str
    coi_status: str  # not_asked | none | declared
    coi_text: str | None
    invited_at: datetime
    respond_by: date | None
    review_by: date | None
    reason: str | None  # why it was declined or cancelled
    version: int
    late: str | None  # "answer 3 days late", "review 1 day late"
    can_cancel: bool
    can_reinvite: bool
    extension: ExtensionRequest | None = None  # the reviewer's pending request for more time
    can_reopen: bool = False  # a submitted review, while the round is still in peer review
    on_panel: bool = False  # open or submitted
    tone: str = ""  # ok | bad | warn | "" (`state_tone`)
    awaits_answer: bool = False  # invited: the deadline is the answer date
    overdue: bool = False

    @property
    def coi_cleared(self) -> bool:
        """The reviewer declared no conflict of interest."""
        return self.coi_status == CoiStatus.NONE

    @property
    def coi_declared(self) -> bool:
        return self.coi_status == CoiStatus.DECLARED


def panel_assignments(
    session: Session, submission: Submission, today: date, *, names: bool
) -> list[AssignmentView]:
    """This round's assignments in invitation order (reviewer names only for staff)."""
    rows = session.exec(
        select(Assignment, User.display_name)
        .join(User, col(User.id) == col(Assignment.reviewer_id))
        .where(
            Assignment.submission_id == submission.id,
            Assignment.round_number == submission.current_round,
        )
        .order_by(col(Assignment.id))
    ).all()
    open_review = submission.stage == Stage.PEER_REVIEW
    asked = pending_requests(session, [a.id for a, _ in rows if a.id is not None])
    return [
        AssignmentView(
            id=a.id or 0,
            reviewer_id=a.reviewer_id,
            reviewer=name if names else f"Reviewer {n}",
            panel_role=a.panel_role,
            state=a.state,
            coi_status=a.coi_status,
            coi_text=a.coi_text,
            invited_at=a.invited_at,
            respond_by=a.respond_by,
            review_by=a.review_by,
            reason=a.decline_reason,
            version=a.version,
            late=_late(a, today) if open_review else None,
            can_cancel=open_review and is_open(a.state),
            can_reinvite=open_review and renewable(a.state, a.coi_status),
            extension=asked.get(a.id or 0) if open_review else None,
            can_reopen=open_review and is_submitted(a.state),
            on_panel=is_on_panel(a.state),
            tone=state_tone(a.state),
            awaits_answer=awaits_answer(a.state),
            overdue=is_overdue(a.state),
        )
        for n, (a, name) in enumerate(rows, start=1)
    ]


def _late(assignment: Assignment, today: date) -> str | None:
    if awaits_answer(assignment.state) and assignment.respond_by and assignment.respond_by < today:
        return _days_late("answer", (today - assignment.respond_by).days)
    due = assignment.review_by
    if can_score(assignment.state) and due and due < today:
        return _days_late("review", (today - due).days)
    return None


def _days_late(what: str, days: int) -> str:
    return f"{what} {days} day{'' if days == 1 else 's'} late"


@dataclass(frozen=True)
class CandidateView:
    """A reviewer the officer could invite, with what speaks for and against them."""

    user_id: int
    name: str
    expertise: tuple[str, ...]  # ISCED-F codes
    panel_role: str | None
    load: int
    max_load: int
    match: int  # 0 none .. 3 same detailed field (`expertise_match`)
    blocked: str | None  # why they cannot be invited now
    notes: tuple[str, ...]
    previous_state: str | None  # their assignment in this round, if any

    @property
    def renewable(self) -> bool:
        return self.previous_state is not None and is_ended(self.previous_state)


def panel_candidates(
    session: Session, submission: Submission, settings: ReviewSettings, field_of_study: str | None
) -> list[CandidateView]:
    """Every active reviewer: the eligible ones ranked as routing would, then the blocked ones."""
    reviewers = session.execute(
        sql_select(
            col(User.id),
            col(User.display_name),
            col(User.expertise),
            col(User.panel_role),
            col(User.institution_id),
        )
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(col(UserRole.role) == Role.REVIEWER.value, col(User.is_active))
        .order_by(col(User.display_name))
    ).all()
    loads = open_loads(session)
    this_round = {
        reviewer_id: (state, coi)
        for reviewer_id, state, coi in session.exec(
            select(Assignment.reviewer_id, Assignment.state, Assignment.coi_status).where(
                Assignment.submission_id == submission.id,
                Assignment.round_number == submission.current_round,
            )
        ).all()
    }
    conflicted_before = set(
        session.exec(
            select(Assignment.reviewer_id)
            .join(Submission, col(Submission.id) == col(Assignment.submission_id))
            .where(
                Submission.institution_id == submission.institution_id,
                Assignment.coi_status == CoiStatus.DECLARED,
            )
            .distinct()
        ).all()
    )
    views: dict[int, CandidateView] = {}
    for user_id, name, expertise, panel_role, institution_id in reviewers:
        assert user_id is not None
        state, coi = this_round.get(user_id, (None, None))
        load = loads.get(user_id, 0)
        blocked = _blocked(institution_id == submission.institution_id, state, coi, load, settings)
        notes = []
        if user_id in conflicted_before and coi != CoiStatus.DECLARED:
            notes.append("declared a conflict with this provider before")
        if state is not None and is_ended(state):
            notes.append(f"{state} earlier in this round")
        views[user_id] = CandidateView(
            user_id,
            name,
            tuple(expertise or ()),
            panel_role,
            load,
            settings.max_load,
            expertise_match(field_of_study, expertise or ()),
            blocked,
            tuple(notes),
            state,
        )
    roles = [
        views[reviewer_id].panel_role if reviewer_id in views else None
        for reviewer_id, (state, _) in this_round.items()
        if is_on_panel(state)
    ]
    eligible = [
        Candidate(v.user_id, v.expertise, v.panel_role, v.load)
        for v in views.values()
        if v.blocked is None
    ]
    ranked = choose_reviewers(
        eligible,
        field_of_study=field_of_study,
        panel=roles,
        count=len(eligible),
        max_load=settings.max_load,
    )
    missing = [r for r in PANEL_ROLES if r not in roles]
    ordered = [_with_seat(views[user_id], missing) for user_id in ranked]
    return ordered + [v for v in views.values() if v.blocked is not None]


def _with_seat(view: CandidateView, missing: list[str]) -> CandidateView:
    if view.panel_role in missing:
        seat = f"the panel has no {view.panel_role.replace('_', ' ')} yet"
        return replace(view, notes=(seat, *view.notes))
    return view


def _blocked(
    same_institution: bool, state: str | None, coi: str | None, load: int, settings: ReviewSettings
) -> str | None:
    if same_institution:
        return "belongs to the provider (conflict of interest)"
    if coi == CoiStatus.DECLARED:
        return "declared a conflict of interest with this file"
    if state is not None and not is_ended(state):
        return f"already on the panel ({state})"
    if load >= settings.max_load:
        return f"at the maximum load ({load} of {settings.max_load})"
    return None
