"""Steps for features/peer_review.feature (services and routing; SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from qa.domain.assignments import SheetKind
from qa.domain.errors import IllegalTransition
from qa.domain.score_input import ScoreInput
from qa.persistence.models import Notification, User
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from tests.bdd.conftest import MEMBER, MEMBERS, ReviewFile
from tests.bdd.dates import feature_day
from tests.world import World

scenarios("peer_review.feature")
pytestmark = pytest.mark.usefixtures("world")

SUMMARY = "Well designed; the assessment covers every learning outcome."


def _names(world: World) -> dict[int | None, str]:
    with world.db.session() as session:
        return {user.id: user.display_name for user in session.exec(select(User))}


def _respond(review_file: ReviewFile, member: str, *, accept: bool, reason: str | None) -> None:
    world, assignment = review_file.world, review_file.member(member)
    assert assignment.id is not None
    reviewer, assignment_id = world.reviewer_for(assignment), assignment.id
    review_file.attempt(
        lambda: respond(
            world.db,
            reviewer,
            assignment_id,
            expected_version=assignment.version,
            accept=accept,
            reason=reason,
        )
    )


def _declare(review_file: ReviewFile, member: str, *, conflict: bool, details: str | None) -> None:
    world, assignment = review_file.world, review_file.member(member)
    assert assignment.id is not None
    reviewer, assignment_id = world.reviewer_for(assignment), assignment.id
    review_file.attempt(
        lambda: declare_conflict(
            world.db,
            reviewer,
            assignment_id,
            expected_version=assignment.version,
            has_conflict=conflict,
            details=details,
        )
    )


def _score(review_file: ReviewFile, member: str, entry: ScoreInput) -> None:
    world, assignment = review_file.world, review_file.member(member)
    assert assignment.id is not None
    reviewer, assignment_id = world.reviewer_for(assignment), assignment.id
    review_file.attempt(lambda: save_review_score(world.db, reviewer, assignment_id, entry))


def _review_sheet_scores(review_file: ReviewFile, member: str) -> dict[str, int | None]:
    world, assignment = review_file.world, review_file.member(member)
    sheets = world.sheets(review_file.submission_id, SheetKind.PEER)
    mine = [sheet for sheet in sheets if sheet.assignment_id == assignment.id]
    if not mine:  # nothing saved yet
        return {}
    return {cid: score.level for cid, score in world.scores(mine[-1]).items()}


# -- Given -------------------------------------------------------------------------------------


@given(parsers.re(rf'a spare {MEMBER} "(?P<name>[^"]+)" is in the reviewer pool'))
def _spare(review_file: ReviewFile, member: str, name: str) -> None:
    expertise = ["0542"] if member == "subject expert" else []
    review_file.world.add_reviewer(name.lower(), MEMBERS[member], expertise)


@given(parsers.re(rf"the {MEMBER} has accepted the invitation"))
def _accepted(review_file: ReviewFile, member: str) -> None:
    _respond(review_file, member, accept=True, reason=None)
    review_file.succeeded()


@given(parsers.re(rf"the {MEMBER} has declared no conflict of interest"))
def _no_conflict_given(review_file: ReviewFile, member: str) -> None:
    _declare(review_file, member, conflict=False, details=None)
    review_file.succeeded()


@given(parsers.re(rf"the {MEMBER} has scored every criterion at level (?P<level>[0-3]) except:"))
def _scored_except(
    review_file: ReviewFile, member: str, level: str, datatable: list[list[str]]
) -> None:
    left_out = {criterion for (criterion,) in datatable[1:]}
    for criterion in review_file.world.rubric.criteria:
        if criterion.id not in left_out:
            _score(review_file, member, ScoreInput(criterion.id, int(level), comment="seen"))
            review_file.succeeded()


# -- When --------------------------------------------------------------------------------------


@when(parsers.re(rf'the {MEMBER} scores "(?P<criterion>[A-Z]+-\d)" at level (?P<level>[0-3])'))
def _scores(review_file: ReviewFile, member: str, criterion: str, level: str) -> None:
    _score(review_file, member, ScoreInput(criterion, int(level), comment="checked"))


@when(parsers.re(rf'the {MEMBER} marks "(?P<first>[^"]+)" and "(?P<second>[^"]+)" as cannot judge'))
def _cannot_judge(review_file: ReviewFile, member: str, first: str, second: str) -> None:
    for criterion in (first, second):
        _score(review_file, member, ScoreInput(criterion, cannot_judge=True, comment="no access"))
        review_file.succeeded()


@when(parsers.re(rf"the {MEMBER} declares no conflict of interest"))
def _no_conflict(review_file: ReviewFile, member: str) -> None:
    _declare(review_file, member, conflict=False, details=None)


@when(parsers.re(rf'the {MEMBER} declares a conflict of interest: "(?P<details>[^"]*)"'))
def _conflict(review_file: ReviewFile, member: str, details: str) -> None:
    _declare(review_file, member, conflict=True, details=details)


@when(parsers.re(rf"the {MEMBER} declines the invitation without a reason"))
def _decline_bare(review_file: ReviewFile, member: str) -> None:
    _respond(review_file, member, accept=False, reason=None)


@when(parsers.re(rf'the {MEMBER} declines the invitation because "(?P<reason>[^"]+)"'))
def _decline(review_file: ReviewFile, member: str, reason: str) -> None:
    _respond(review_file, member, accept=False, reason=reason)


@when(parsers.re(rf'the {MEMBER} submits the review recommending "(?P<recommendation>[^"]+)"'))
def _submit(review_file: ReviewFile, member: str, recommendation: str) -> None:
    world, assignment = review_file.world, review_file.member(member)
    assert assignment.id is not None
    reviewer, assignment_id = world.reviewer_for(assignment), assignment.id
    review_file.attempt(
        lambda: submit_review(
            world.db,
            reviewer,
            assignment_id,
            expected_version=assignment.version,
            recommendation=recommendation,
            summary=SUMMARY,
        )
    )


# -- Then --------------------------------------------------------------------------------------


@then("these reviewers are invited:")
def _invited(review_file: ReviewFile, datatable: list[list[str]]) -> None:
    world = review_file.world
    names = _names(world)
    invited = [
        [a.panel_role or "", names[a.reviewer_id]]
        for a in world.round_assignments(review_file.submission_id)
        if a.state == "invited"
    ]
    assert sorted(invited) == sorted(datatable[1:])


@then(parsers.parse("every invitation asks for an answer {respond_by} and the review {review_by}"))
def _due_dates(review_file: ReviewFile, respond_by: str, review_by: str) -> None:
    for assignment in review_file.world.round_assignments(review_file.submission_id):
        assert assignment.respond_by == feature_day(respond_by, review_file.world.today)
        assert assignment.review_by == feature_day(review_by, review_file.world.today)


@then("every invited reviewer is sent an invitation to review")
def _invitations_sent(review_file: ReviewFile) -> None:
    world = review_file.world
    with world.db.session() as session:
        subjects = {
            (note.recipient_id, note.subject)
            for note in session.exec(
                select(Notification).where(Notification.submission_id == review_file.submission_id)
            )
        }
    title = world.submission(review_file.submission_id).title
    for assignment in world.round_assignments(review_file.submission_id):
        assert (assignment.reviewer_id, f"Invitation to review: {title}") in subjects


@then("no reviewer has answered the conflict-of-interest question yet")
def _coi_not_asked(review_file: ReviewFile) -> None:
    states = {a.coi_status for a in review_file.world.round_assignments(review_file.submission_id)}
    assert states == {"not_asked"}


@then(
    parsers.re(
        rf"the {MEMBER}'s conflict-of-interest answer is recorded as \"(?P<status>[a-z_]+)\""
    )
)
def _coi_recorded(review_file: ReviewFile, member: str, status: str) -> None:
    review_file.succeeded()
    assignment = review_file.member(member)
    assert assignment.coi_status == status
    assert assignment.coi_answered_at is not None
    if status == "declared":
        assert assignment.coi_text


@then(parsers.re(rf"the {MEMBER}'s assignment is \"(?P<state>[a-z_]+)\""))
def _assignment_state(review_file: ReviewFile, member: str, state: str) -> None:
    assert review_file.member(member).state == state


@then(parsers.re(rf"the {MEMBER}'s reason \"(?P<reason>[^\"]+)\" is kept"))
def _reason_kept(review_file: ReviewFile, member: str, reason: str) -> None:
    assert review_file.member(member).decline_reason == reason


@then(parsers.parse('"{name}" is invited as the replacement {panel_role}'))
def _replacement(review_file: ReviewFile, name: str, panel_role: str) -> None:
    world = review_file.world
    names = _names(world)
    current = world.round_assignments(review_file.submission_id)
    replacement = current[-1]
    assert len(current) == 4
    assert names[replacement.reviewer_id] == name
    assert (replacement.state, replacement.panel_role) == ("invited", panel_role)
    active = [a.panel_role for a in current if a.state not in ("declined", "cancelled")]
    assert sorted(r or "" for r in active) == ["labour_market", "learner", "subject_expert"]


@then(
    parsers.re(
        rf'the {MEMBER}\'s review holds "(?P<criterion>[A-Z]+-\d)" at level (?P<level>[0-3])'
    )
)
def _review_holds(review_file: ReviewFile, member: str, criterion: str, level: str) -> None:
    assert _review_sheet_scores(review_file, member)[criterion] == int(level)


@then(parsers.re(rf'the {MEMBER}\'s review still recommends "(?P<recommendation>[a-z_ ]+)"'))
def _still_recommends(review_file: ReviewFile, member: str, recommendation: str) -> None:
    world, assignment = review_file.world, review_file.member(member)
    (sheet,) = [
        s
        for s in world.sheets(review_file.submission_id, SheetKind.PEER)
        if s.assignment_id == assignment.id
    ]
    assert (sheet.status, sheet.recommendation) == ("submitted", recommendation)


@then(parsers.re(rf"the {MEMBER} can no longer score the file"))
def _closed(review_file: ReviewFile, member: str) -> None:
    _score(review_file, member, ScoreInput("QUAL-1", 3, comment="late"))
    assert isinstance(review_file.refusal, IllegalTransition), review_file.refusal
    assert "QUAL-1" not in _review_sheet_scores(review_file, member)
