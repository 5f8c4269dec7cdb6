"""Steps for features/moderation.feature (services and routing; SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from pytest_bdd import parsers, scenarios, then, when
from sqlmodel import select

from qa.domain.actor import Actor
from qa.domain.assignments import SheetKind
from qa.domain.score_input import ScoreInput
from qa.domain.scoring import CriterionResult
from qa.persistence.models import Notification
from qa.services.decisions.decisions import complete_moderation, save_consensus
from tests.bdd.conftest import MEMBER, OFFICERS, ReviewFile

scenarios("moderation.feature")
pytestmark = pytest.mark.usefixtures("world")


def _consensus(review_file: ReviewFile, actor: Actor, entry: ScoreInput) -> None:
    world = review_file.world
    review_file.attempt(lambda: save_consensus(world.db, actor, review_file.submission_id, entry))


def _criterion(review_file: ReviewFile, criterion_id: str) -> CriterionResult:
    assessment = review_file.world.assessment(review_file.submission_id)
    return next(c for c in assessment.criteria if c.criterion_id == criterion_id)


# -- When --------------------------------------------------------------------------------------


@when(parsers.parse("officer {officer} completes moderation"))
def _complete(review_file: ReviewFile, officer: str) -> None:
    world = review_file.world
    version = world.submission(review_file.submission_id).version
    review_file.attempt(
        lambda: complete_moderation(
            world.db,
            world.officers[OFFICERS[officer]],
            review_file.submission_id,
            expected_version=version,
        )
    )


@when(
    parsers.parse(
        'officer {officer} sets the consensus for "{criterion}" to {level:d} without a rationale'
    )
)
def _consensus_bare(review_file: ReviewFile, officer: str, criterion: str, level: int) -> None:
    actor = review_file.world.officers[OFFICERS[officer]]
    _consensus(review_file, actor, ScoreInput(criterion, level))


@when(
    parsers.parse(
        'officer {officer} sets the consensus for "{criterion}" to {level:d} because "{rationale}"'
    )
)
def _consensus_reasoned(
    review_file: ReviewFile, officer: str, criterion: str, level: int, rationale: str
) -> None:
    actor = review_file.world.officers[OFFICERS[officer]]
    _consensus(review_file, actor, ScoreInput(criterion, level, comment=rationale))


@when(
    parsers.re(
        rf'the {MEMBER} tries to set the consensus for "(?P<criterion>[^"]+)" to '
        r'(?P<level>[0-3]) because "(?P<rationale>[^"]+)"'
    )
)
def _consensus_by_reviewer(
    review_file: ReviewFile, member: str, criterion: str, level: str, rationale: str
) -> None:
    reviewer = review_file.world.reviewer_for(review_file.member(member))
    _consensus(review_file, reviewer, ScoreInput(criterion, int(level), comment=rationale))


# -- Then --------------------------------------------------------------------------------------


@then(parsers.parse('"{criterion}" is disputed because "{reason}"'))
def _disputed(review_file: ReviewFile, criterion: str, reason: str) -> None:
    assessment = review_file.world.assessment(review_file.submission_id)
    assert [c.criterion_id for c in assessment.disagreements] == [criterion]
    (disputed,) = assessment.disagreements
    assert disputed.disagreement_reason.split(": ", 1)[1] == reason


@then("the QA officers are told the file needs moderation")
def _officers_told(review_file: ReviewFile) -> None:
    world = review_file.world
    with world.db.session() as session:
        told = {
            note.recipient_id
            for note in session.exec(
                select(Notification).where(Notification.submission_id == review_file.submission_id)
            )
            if note.subject.endswith(": needs moderation")
        }
    assert told == {officer.user_id for officer in world.officers}


@then(parsers.parse('the consensus for "{criterion}" is {level:d} with its rationale'))
def _consensus_kept(review_file: ReviewFile, criterion: str, level: int) -> None:
    world = review_file.world
    (sheet,) = world.sheets(review_file.submission_id, SheetKind.CONSENSUS)
    assert sheet.status == "submitted"
    score = world.scores(sheet)[criterion]
    assert score.level == level
    assert (score.comment or "").strip()
    assert _criterion(review_file, criterion).from_consensus


@then(
    parsers.parse('the reviewers\' own scores for "{criterion}" are still {first:d} and {second:d}')
)
def _own_scores(review_file: ReviewFile, criterion: str, first: int, second: int) -> None:
    assert _criterion(review_file, criterion).values == (first, second)
