"""What the reviewer's scoring page shows: a context built from the services' data.

The reviewer sees the descriptor, the provider's own self-assessment evidence and comments,
and their own scores. Never another reviewer's scores or comments (blind, independent review),
and not the provider's self-assessed levels either, so that they do not anchor the review.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.assignments import (
    AssignmentState,
    CoiStatus,
    SheetKind,
    SheetStatus,
    awaits_answer,
    can_score,
)
from qa.domain.enums import Stage
from qa.domain.errors import NotFound
from qa.domain.extension_requests import ExtensionStatus
from qa.domain.policy import require_assigned_reviewer
from qa.domain.rubric import Criterion, Rubric
from qa.domain.scoring import Decision
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    DescriptorVersion,
    ExtensionRequest,
    Score,
    Scoresheet,
    Submission,
)
from qa.services.pages.review_facts import Fact, summary_facts
from qa.services.review.extensions import latest_request
from qa.services.rubrics.scoresheets import pinned_rubric, rater_key, scores_of
from qa.services.submissions.lifecycle import load_submission

RECOMMENDATIONS: tuple[tuple[str, str], ...] = (
    (Decision.APPROVED.value, "Approve"),
    (Decision.APPROVED_WITH_CONDITIONS.value, "Approve with conditions"),
    (Decision.REVISE_AND_RESUBMIT.value, "Revise and resubmit"),
    (Decision.REJECTED.value, "Reject"),
)
#: How the rubric section is shown: scoring, a disabled preview, the record of what was
#: scored, or not at all.
SCORE, PREVIEW, RECORD, HIDDEN = "score", "preview", "record", "hidden"


@dataclass(frozen=True)
class Evidence:
    """The provider's self-assessment of one criterion (without the self-assessed level)."""

    refs: tuple[str, ...]
    comment: str | None
    no_evidence_reason: str | None


@dataclass(frozen=True)
class PrincipleProgress:
    """One principle's line in the progress box: a jump link and its count."""

    code: str
    name: str
    scored: int
    total: int
    first_missing: str | None  # the criterion a jump lands on (the first unscored one)
    first: str


@dataclass(frozen=True)
class Progress:
    scored: int
    total: int
    missing: tuple[Criterion, ...]
    principles: tuple[PrincipleProgress, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def next_unscored(self) -> Criterion | None:
        return self.missing[0] if self.missing else None


@dataclass(frozen=True)
class Note:
    """Where the assignment stands, in one sentence, with a short tag and its tone."""

    tag: str
    text: str
    tone: str  # "ok", "warn", "bad" or "" (the tag classes of app.css)


@dataclass(frozen=True)
class ReviewPage:
    assignment: Assignment
    title: str
    facts: tuple[Fact, ...]
    rubric: Rubric
    scores: dict[str, Score]
    evidence: dict[str, Evidence]
    progress: Progress
    note: Note
    mode: str  # SCORE, PREVIEW, RECORD or HIDDEN
    can_answer: bool
    can_declare: bool
    recommendation: str | None
    summary: str | None
    saved: dict[str, str]  # criterion id -> when it was last saved, for its status line
    extension: ExtensionRequest | None = None  # the latest request for more time
    recommendations: tuple[tuple[str, str], ...] = RECOMMENDATIONS

    @property
    def can_score(self) -> bool:
        return self.mode == SCORE

    def _extension_is(self, status: ExtensionStatus) -> bool:
        return self.extension is not None and self.extension.status == status

    @property
    def extension_pending(self) -> bool:
        """The latest request for more time waits for the QA office's answer."""
        return self._extension_is(ExtensionStatus.PENDING)

    @property
    def extension_granted(self) -> bool:
        return self._extension_is(ExtensionStatus.APPROVED)

    @property
    def extension_declined(self) -> bool:
        return self._extension_is(ExtensionStatus.DECLINED)

    @property
    def recommendation_label(self) -> str:
        return dict(RECOMMENDATIONS).get(self.recommendation or "", self.recommendation or "")


def review_page(db: Database, actor: Actor, assignment_id: int) -> ReviewPage:
    with db.session() as session:
        assignment = _mine(session, actor, assignment_id)
        submission = load_submission(session, assignment.submission_id)
        _, rubric = pinned_rubric(session, submission)
        number = assignment.round_number  # an earlier round's reviewer sees that round
        sheet = _sheet(session, submission.id, number, SheetKind.PEER, assignment_id)
        scores = scores_of(session, sheet) if sheet else {}
        own = _sheet(session, submission.id, number, SheetKind.SELF)
        evidence = _evidence(scores_of(session, own)) if own else {}
        descriptor = session.exec(
            select(DescriptorVersion).where(
                DescriptorVersion.submission_id == submission.id,
                DescriptorVersion.round_number == number,
            )
        ).first()
        extension = latest_request(session, assignment_id)
    data = descriptor.data if descriptor else {}
    open_review = _open(assignment, submission)
    now = clock.now(session)
    locked = sheet is not None and sheet.status != SheetStatus.OPEN
    return ReviewPage(
        assignment=assignment,
        title=str(data.get("title") or submission.title),
        facts=summary_facts(data),
        rubric=rubric,
        scores=scores,
        evidence=evidence,
        progress=progress_from(rubric, scores),
        note=note(assignment, open_review, sheet),
        mode=_mode(assignment, open_review, bool(scores)),
        can_answer=assignment.state == AssignmentState.INVITED and open_review,
        can_declare=(
            (awaits_answer(assignment.state) or can_score(assignment.state))
            and assignment.coi_status == CoiStatus.NOT_ASKED
            and open_review
        ),
        recommendation=sheet.recommendation if sheet and locked else None,
        summary=sheet.summary if sheet and locked else None,
        saved={cid: saved_label(s.updated_at, now) for cid, s in scores.items()},
        extension=extension,
    )


def progress_from(rubric: Rubric, scores: dict[str, Score]) -> Progress:
    done = {cid for cid, s in scores.items() if s.level is not None or s.cannot_judge}
    return progress_of(rubric, done)


def progress_of(rubric: Rubric, done: Set[str]) -> Progress:
    """Progress from the set of answered criteria (an autosave returns it)."""
    missing = tuple(c for c in rubric.criteria if c.id not in done)
    principles = []
    for p in rubric.principles:
        criteria = rubric.criteria_of(p.code)
        if not criteria:
            continue
        open_ = [c.id for c in criteria if c.id not in done]
        scored = len(criteria) - len(open_)
        first_missing = open_[0] if open_ else None
        principles.append(
            PrincipleProgress(p.code, p.name, scored, len(criteria), first_missing, criteria[0].id)
        )
    total = len(rubric.criteria)
    return Progress(total - len(missing), total, missing, tuple(principles))


def note(assignment: Assignment, open_review: bool, sheet: Scoresheet | None) -> Note:
    """One clear sentence for every assignment state (and the reasons behind `cancelled`)."""
    a = assignment
    if a.state == AssignmentState.SUBMITTED:
        return Note(
            AssignmentState.SUBMITTED,
            f"You submitted this review on {_when(a.submitted_at)}. It is locked: the scores, "
            "comments, recommendation and summary can no longer change. If something needs "
            "correcting, ask the QA officer to reopen it.",
            "ok",
        )
    if a.state == AssignmentState.DECLINED:
        reason = f" (“{a.decline_reason}”)" if a.decline_reason else ""
        return Note(
            AssignmentState.DECLINED,
            f"You declined this invitation{reason}. There is nothing more to do; thank you "
            "for answering.",
            "",
        )
    if a.state == AssignmentState.CANCELLED:
        return _cancelled(a)
    if not open_review:
        return Note(
            "closed",
            "Peer review of this micro-credential has closed, so nothing here can change any "
            "more. Thank you for your time.",
            "",
        )
    if a.state == AssignmentState.INVITED:
        conflict = (
            " You have declared no conflict of interest." if a.coi_status == CoiStatus.NONE else ""
        )
        return Note(
            AssignmentState.INVITED,
            f"You are invited to review this micro-credential. Please accept or decline by "
            f"{a.respond_by}; if you accept, the review is due by {a.review_by}.{conflict}",
            "warn",
        )
    if a.coi_status == CoiStatus.NOT_ASKED:
        return Note(
            a.state,
            "You accepted the invitation. Answer the conflict-of-interest question below to "
            "start scoring.",
            "warn",
        )
    reopened = (
        f" The QA officer reopened it for a correction: “{sheet.correction_reason}”."
        if sheet is not None and sheet.revision > 1 and sheet.correction_reason
        else ""
    )
    if a.state == AssignmentState.OVERDUE:
        return Note(
            AssignmentState.OVERDUE,
            f"Your review was due on {a.review_by}. You can still score and submit it; please "
            f"do so as soon as you can.{reopened}",
            "bad",
        )
    return Note(
        AssignmentState.ACCEPTED,
        f"Score every criterion and submit your review by {a.review_by}. Each answer is saved "
        f"as soon as you choose it, and is kept if you leave and come back.{reopened}",
        "ok",
    )


def saved_label(moment: datetime, now: datetime) -> str:
    """`14:03:12 UTC` today, `2026-11-28 14:03 UTC` on an earlier day."""
    if moment.date() == now.date():
        return moment.strftime("%H:%M:%S UTC")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _cancelled(a: Assignment) -> Note:
    if a.coi_status == CoiStatus.DECLARED:
        return Note(
            "conflict of interest",
            "You declared a conflict of interest, so this assignment ended and you cannot "
            "score this micro-credential. Thank you for declaring it; the QA officer will "
            "invite someone else.",
            "",
        )
    reason = (a.decline_reason or "").strip()
    if a.responded_at is None and reason.startswith("No answer by"):
        return Note(
            "expired",
            f"This invitation expired: it was not answered by {a.respond_by}. There is "
            "nothing more to do.",
            "",
        )
    because = f": {reason[:1].lower()}{reason[1:]}" if reason else ""
    return Note(
        AssignmentState.CANCELLED,
        f"This review is no longer needed{because}. Thank you for your time.",
        "",
    )


def _mode(assignment: Assignment, open_review: bool, has_scores: bool) -> str:
    if can_score(assignment.state) and open_review:
        return SCORE if assignment.coi_status == CoiStatus.NONE else PREVIEW
    if assignment.state == AssignmentState.INVITED and open_review:
        return PREVIEW  # the reviewer may look at the rubric before accepting
    return RECORD if has_scores else HIDDEN


def _open(assignment: Assignment, submission: Submission) -> bool:
    """Peer review of the assignment's round is still going on."""
    return (
        submission.stage == Stage.PEER_REVIEW
        and submission.current_round == assignment.round_number
    )


def _mine(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    assignment = session.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} does not exist")
    require_assigned_reviewer(actor, assignment.reviewer_id)
    return assignment


def _sheet(
    session: Session,
    submission_id: int | None,
    round_number: int,
    kind: str,
    assignment_id: int | None = None,
) -> Scoresheet | None:
    """The newest revision of one rater's sheet for one round."""
    return session.exec(
        select(Scoresheet)
        .where(
            Scoresheet.submission_id == submission_id,
            Scoresheet.round_number == round_number,
            Scoresheet.rater_key == rater_key(kind, assignment_id),
        )
        .order_by(col(Scoresheet.revision).desc())
    ).first()


def _evidence(scores: dict[str, Score]) -> dict[str, Evidence]:
    return {
        cid: Evidence(tuple(s.evidence_refs), s.comment, s.no_evidence_reason)
        for cid, s in scores.items()
        if s.evidence_refs or s.comment or s.no_evidence_reason
    }


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d at %H:%M UTC") if moment else "an earlier date"
