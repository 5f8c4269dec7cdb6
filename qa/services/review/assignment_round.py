"""An officer's assignment round: panels for many files at once, previewed, then applied.

`propose_round` reads the files (default: every file in peer review), the reviewer pool
with profiles, loads and conflicts, and asks the solver (`qa.domain.panel_solver`) for a
proposal; open assignments are kept (a very high moving cost), so a round only fills
seats. `apply_round` invites every proposed new pairing through the ordinary invitation
path (`assignments.invite_one`) in one transaction: all of them, or none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.affinity import AffinityModel, FileTraits, ReviewerTraits, explain
from qa.domain.assignments import AssignmentState, CoiStatus, is_ended, is_on_panel, is_open
from qa.domain.conflict_rules import awarding_body_names
from qa.domain.enums import Role, Stage
from qa.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from qa.domain.panel_round import (
    Period,
    PoolReviewer,
    Proposal,
    RoundFile,
    RoundSettings,
    language_tag,
)
from qa.domain.panel_solver import solve_round
from qa.domain.policy import require_officer
from qa.domain.review_settings import ReviewSettings
from qa.persistence.db import Database
from qa.persistence.locking import lock_submissions
from qa.persistence.models import Assignment, DescriptorVersion, Submission, User, UserRole
from qa.services.people.reviewer_profiles import get_profile, profile_values
from qa.services.review.assignments import invite_one, open_loads
from qa.services.review.conflicts import (
    awarding_body_reviewers,
    blocking_conflicts,
    reviewer_institutions,
)

KEEP_EXISTING = 10.0  # affinity units: an open assignment is never moved by a round


@dataclass(frozen=True)
class ProposedPairing:
    submission_id: int
    title: str
    reviewer_id: int
    reviewer: str
    role: str | None
    affinity: float
    reason: str
    existing: bool


@dataclass(frozen=True)
class RoundPreview:
    pairings: list[ProposedPairing]
    loads: list[tuple[str, int, int]]  # reviewer, load after the round, maximum
    shortfalls: list[tuple[int, str, tuple[str, ...]]]  # file, title, reasons
    proposal: Proposal

    @property
    def new_pairings(self) -> list[ProposedPairing]:
        return [p for p in self.pairings if not p.existing]


@dataclass
class _Inputs:
    files: list[RoundFile]
    file_traits: list[FileTraits]
    titles: dict[int, str]
    pool: list[PoolReviewer]
    reviewer_traits: list[ReviewerTraits]
    names: dict[int, str]
    existing: dict[int, frozenset[int]]


def propose_round(
    db: Database,
    actor: Actor,
    submission_ids: Sequence[int] | None = None,
    *,
    today: date,
    settings: ReviewSettings,
    fair: bool = False,
) -> RoundPreview:
    require_officer(actor)
    with db.session() as session:
        inputs = _inputs(session, submission_ids, today, settings)
    window = Period(today, today + timedelta(days=settings.review_days))
    round_settings = RoundSettings(
        window=window,
        panel_size=settings.reviewers_to_invite,
        move_cost=KEEP_EXISTING,
        fair=fair,
        candidates_per_role=None if len(inputs.pool) <= 400 else 40,
    )
    model = AffinityModel(inputs.file_traits, inputs.reviewer_traits)
    proposal = solve_round(inputs.files, inputs.pool, model, round_settings, inputs.existing)
    rows = {f.file_id: i for i, f in enumerate(inputs.files)}
    columns = {r.user_id: j for j, r in enumerate(inputs.pool)}
    pairings = [
        ProposedPairing(
            p.file_id,
            inputs.titles[p.file_id],
            p.reviewer_id,
            inputs.names[p.reviewer_id],
            p.role,
            p.affinity,
            explain(
                model.components(rows[p.file_id], columns[p.reviewer_id]),
                inputs.file_traits[rows[p.file_id]].field_of_study,
            ),
            p.reviewer_id in inputs.existing.get(p.file_id, frozenset()),
        )
        for p in proposal.pairings
    ]
    loads = [
        (inputs.names[r.user_id], proposal.loads[r.user_id], r.max_load)
        for r in sorted(inputs.pool, key=lambda r: inputs.names[r.user_id])
    ]
    short = [(s.file_id, inputs.titles[s.file_id], s.reasons) for s in proposal.shortfalls]
    return RoundPreview(pairings, loads, short, proposal)


def apply_round(
    db: Database,
    actor: Actor,
    pairs: Sequence[tuple[int, int]],
    *,
    today: date,
    settings: ReviewSettings,
) -> list[Assignment]:
    """Invite (submission, reviewer) pairs in one transaction; any refusal changes nothing."""
    require_officer(actor)
    if not pairs:
        raise InvalidInput("the proposal has no new pairings to apply")
    with db.write() as session:
        # Locked: routing filling the same panel waits for this round, and the other way
        # round, so the check below sees every invitation made since the preview.
        submissions = {s.id: s for s in lock_submissions(session, {fid for fid, _ in pairs})}
        if missing := sorted({fid for fid, _ in pairs} - submissions.keys()):
            raise NotFound(f"there is no file {missing[0]}")
        if len(set(pairs)) != len(pairs):
            raise InvalidInput("the same reviewer appears twice for one file")
        _check_still_open(session, submissions, pairs, settings)
        loads = open_loads(session, {uid for _, uid in pairs})
        caps_checked = _check_caps(session, pairs, loads, settings)
        invited = [
            invite_one(
                session,
                actor,
                submissions[fid],
                uid,
                loads=loads,
                today=today,
                settings=caps_checked,
            )
            for fid, uid in pairs
        ]
        session.commit()
        return invited


def _check_still_open(
    session: Session,
    submissions: dict[int | None, Submission],
    pairs: Sequence[tuple[int, int]],
    settings: ReviewSettings,
) -> None:
    """Refuse a proposal that is out of date: a file that left peer review, or whose panel
    gained reviewers since the preview (routing, another officer), would be over-filled."""
    added: dict[int, int] = defaultdict(int)
    for fid, _ in pairs:
        added[fid] += 1
    seated: dict[int, int] = defaultdict(int)  # file -> reviewers on its current panel
    for fid, number, state in session.exec(
        select(Assignment.submission_id, Assignment.round_number, Assignment.state).where(
            col(Assignment.submission_id).in_(added)
        )
    ):
        if number == submissions[fid].current_round and is_on_panel(state):
            seated[fid] += 1
    for fid, count in sorted(added.items()):
        submission = submissions[fid]
        if submission.stage != Stage.PEER_REVIEW.value:
            raise Conflict(
                f"“{submission.title}” is no longer in peer review; preview the round again"
            )
        on_panel = seated[fid]
        if on_panel + count > settings.reviewers_to_invite:
            raise Conflict(
                f"the panel of “{submission.title}” changed since the preview: it has "
                f"{on_panel} reviewer{'' if on_panel == 1 else 's'} and the round would add "
                f"{count}, more than the panel size of {settings.reviewers_to_invite}; "
                "preview the round again"
            )


def _check_caps(
    session: Session,
    pairs: Sequence[tuple[int, int]],
    loads: dict[int, int],
    settings: ReviewSettings,
) -> ReviewSettings:
    """Each reviewer's own maximum (profile, else the office default) holds after the
    round; returns settings whose global cap no longer stands in the way."""
    extra: dict[int, int] = defaultdict(int)
    for _, uid in pairs:
        extra[uid] += 1
    for uid, count in extra.items():
        profile = get_profile(session, uid)
        cap = (profile.max_load if profile else None) or settings.max_load
        if loads.get(uid, 0) + count > cap:
            user = session.get(User, uid)
            name = user.display_name if user else f"user {uid}"
            raise NotAllowed(
                f"{name} would have {loads.get(uid, 0) + count} open reviews; the maximum is "
                f"{cap}: preview the round again"
            )
    return replace(settings, max_load=10**6)


def _inputs(
    session: Session, submission_ids: Sequence[int] | None, today: date, settings: ReviewSettings
) -> _Inputs:
    query = select(Submission).where(Submission.stage == Stage.PEER_REVIEW.value)
    if submission_ids is not None:
        query = query.where(col(Submission.id).in_(list(submission_ids)))
    submissions = list(session.exec(query.order_by(col(Submission.id))).all())
    if not submissions:
        raise InvalidInput("no chosen file is waiting in peer review")
    by_provider, by_file = blocking_conflicts(session)
    reviewers = list(
        session.exec(
            select(User)
            .join(UserRole)
            .where(UserRole.role == Role.REVIEWER.value, col(User.is_active))
            .order_by(col(User.id))
        ).all()
    )
    institutions = reviewer_institutions(session, [r.id for r in reviewers if r.id is not None])
    existing: dict[int, frozenset[int]] = {}
    excluded: dict[int, set[int]] = defaultdict(set)
    in_round: dict[int, int] = defaultdict(int)
    files: list[RoundFile] = []
    file_traits: list[FileTraits] = []
    for sub in submissions:
        assert sub.id is not None
        rows = session.exec(
            select(Assignment).where(
                Assignment.submission_id == sub.id, Assignment.round_number == sub.current_round
            )
        ).all()
        open_rows = [a for a in rows if is_on_panel(a.state)]
        existing[sub.id] = frozenset(a.reviewer_id for a in open_rows)
        for a in rows:
            if is_open(a.state):
                in_round[a.reviewer_id] += 1
            if is_ended(a.state) or a.coi_status == CoiStatus.DECLARED:
                excluded[sub.id].add(a.reviewer_id)
        data = session.exec(
            select(DescriptorVersion.data).where(
                DescriptorVersion.submission_id == sub.id,
                DescriptorVersion.round_number == sub.current_round,
            )
        ).one()
        languages = data.get("language") or ["en"]
        language = languages[0] if isinstance(languages, list) else str(languages)
        bodies = awarding_body_reviewers(institutions, awarding_body_names(data))
        conflicts = {
            r.id
            for r in reviewers
            if r.id is not None
            and (
                r.institution_id == sub.institution_id
                or (r.id, sub.institution_id) in by_provider
                or (r.id, sub.id) in by_file
                or r.id in excluded[sub.id]
                or r.id in bodies
            )
        }
        files.append(RoundFile(sub.id, language_tag(language), frozenset(conflicts)))
        outcomes = " ".join(str(o) for o in data.get("learning_outcomes") or [])
        file_traits.append(
            FileTraits(data.get("field_of_study"), sub.eqf_level, f"{sub.title} {outcomes}")
        )
    loads = open_loads(session, [r.id for r in reviewers if r.id is not None])
    past = _past_titles(session)
    pool: list[PoolReviewer] = []
    traits: list[ReviewerTraits] = []
    for user in reviewers:
        assert user.id is not None
        values = profile_values(user, get_profile(session, user.id))
        pool.append(
            PoolReviewer(
                user.id,
                user.panel_role,
                frozenset(language_tag(t) for t in values.languages),
                max_load=values.max_load or settings.max_load,
                current_load=loads.get(user.id, 0) - in_round[user.id],
                unavailable=values.unavailable,
            )
        )
        text = f"{values.statement} {' '.join(past.get(user.id, []))}"
        traits.append(ReviewerTraits(values.expertise, frozenset(values.eqf_levels), text))
    return _Inputs(
        files,
        file_traits,
        {s.id: s.title for s in submissions if s.id is not None},
        pool,
        traits,
        {u.id: u.display_name for u in reviewers if u.id is not None},
        existing,
    )


def _past_titles(session: Session) -> dict[int, list[str]]:
    """Titles of the files each reviewer has submitted a review of (their track record)."""
    rows = session.exec(
        select(Assignment.reviewer_id, Submission.title)
        .join(Submission, col(Submission.id) == col(Assignment.submission_id))
        .where(Assignment.state == AssignmentState.SUBMITTED)
    ).all()
    out: dict[int, list[str]] = defaultdict(list)
    for reviewer_id, title in rows:
        out[reviewer_id].append(title)
    return out
