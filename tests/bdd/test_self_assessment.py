"""Steps for features/self_assessment.feature (services and routing; SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenario, scenarios, then, when
from sqlmodel import select

from qa.domain.assignments import SheetKind
from qa.domain.errors import IllegalTransition
from qa.domain.score_input import ScoreInput
from qa.domain.scoring import RaterScores, assess, self_peer_gap
from qa.persistence.models import Notification, Scoresheet
from qa.services.review.assessment import self_levels
from qa.services.review.self_assessment import save_self_score, submit_self_assessment
from tests.bdd.conftest import OFFICERS, ReviewFile
from tests.world import World


@scenario("self_assessment.feature", "The provider is told that the file was returned, and why")
def test_the_provider_is_told_that_the_file_was_returned() -> None:
    """A returned file is news for the provider, with the officer's reasons."""


scenarios("self_assessment.feature")
pytestmark = pytest.mark.usefixtures("world")


def _save(review_file: ReviewFile, entry: ScoreInput) -> None:
    world = review_file.world
    review_file.attempt(
        lambda: save_self_score(world.db, world.provider, review_file.submission_id, entry)
    )


def _evidence(criterion_id: str) -> tuple[str, ...]:
    return (f"evidence/{criterion_id}.pdf",)


def _sheet(review_file: ReviewFile, revision: int) -> Scoresheet:
    sheets = review_file.world.sheets(review_file.submission_id, SheetKind.SELF)
    return next(sheet for sheet in sheets if sheet.revision == revision)


def _record(world: World, sheet: Scoresheet) -> dict[str, Any]:
    """A sheet with its scores as plain data, leaving out its status."""
    scores = {cid: score.model_dump(mode="json") for cid, score in world.scores(sheet).items()}
    return sheet.model_dump(mode="json", exclude={"status"}) | {"scores": scores}


# -- Given -------------------------------------------------------------------------------------


@given(
    parsers.parse("the provider has assessed every criterion at level {level:d}, citing evidence")
)
def _assessed(review_file: ReviewFile, level: int) -> None:
    review_file.world.self_assess(review_file.submission_id, level, submit=False)


@given(
    parsers.parse(
        "the provider has assessed every criterion at level {level:d}, citing evidence, except:"
    )
)
def _assessed_except(review_file: ReviewFile, level: int, datatable: list[list[str]]) -> None:
    left_out = {criterion for (criterion,) in datatable[1:]}
    for criterion in review_file.world.rubric.criteria:
        if criterion.id not in left_out:
            _save(
                review_file, ScoreInput(criterion.id, level, evidence_refs=_evidence(criterion.id))
            )
            review_file.succeeded()


@given(
    parsers.parse("the provider has submitted a self-assessment at level {level:d}"),
    target_fixture="submitted_sheet",
)
def _submitted(review_file: ReviewFile, level: int) -> dict[str, Any]:
    review_file.world.self_assess(review_file.submission_id, level)
    assert review_file.world.stage(review_file.submission_id) == "screening"
    return _record(review_file.world, _sheet(review_file, 1))


@given(
    parsers.parse(
        'the provider answers "{criterion}" with level {level:d}, citing no evidence and '
        "giving no reason"
    )
)
def _unevidenced(review_file: ReviewFile, criterion: str, level: int) -> None:
    _save(review_file, ScoreInput(criterion, level))
    review_file.succeeded()


# -- When --------------------------------------------------------------------------------------


@when(parsers.parse('the provider answers "{criterion}" with level {level:d} because "{reason}"'))
def _with_reason(review_file: ReviewFile, criterion: str, level: int, reason: str) -> None:
    _save(review_file, ScoreInput(criterion, level, no_evidence_reason=reason))


@when(parsers.parse('the provider answers "{criterion}" with level {level:d}, citing "{evidence}"'))
def _with_evidence(review_file: ReviewFile, criterion: str, level: int, evidence: str) -> None:
    _save(review_file, ScoreInput(criterion, level, evidence_refs=(evidence,)))


@when(parsers.parse('the provider marks "{criterion}" as cannot judge because "{reason}"'))
def _cannot_judge(review_file: ReviewFile, criterion: str, reason: str) -> None:
    _save(review_file, ScoreInput(criterion, cannot_judge=True, no_evidence_reason=reason))


@when(
    parsers.parse('the provider gives "{criterion}" level {level:d} and also marks it cannot judge')
)
def _both(review_file: ReviewFile, criterion: str, level: int) -> None:
    entry = ScoreInput(criterion, level, cannot_judge=True, evidence_refs=_evidence(criterion))
    _save(review_file, entry)


@when("the provider submits the self-assessment")
def _submit(review_file: ReviewFile) -> None:
    world = review_file.world
    version = world.submission(review_file.submission_id).version
    review_file.attempt(
        lambda: submit_self_assessment(
            world.db, world.provider, review_file.submission_id, expected_version=version
        )
    )


@when(parsers.parse("officer {officer} accepts the file for peer review"))
def _accept(review_file: ReviewFile, officer: str) -> None:
    world, submission_id = review_file.world, review_file.submission_id
    review_file.attempt(lambda: world.screen(submission_id, accept=True, officer=OFFICERS[officer]))


@when(
    parsers.parse('officer {officer} returns the file with the reasons "{reasons}"'),
    target_fixture="return_reasons",
)
def _return(review_file: ReviewFile, officer: str, reasons: str) -> str:
    world, submission_id = review_file.world, review_file.submission_id
    review_file.attempt(
        lambda: world.screen(
            submission_id, accept=False, reasons=reasons, officer=OFFICERS[officer]
        )
    )
    return reasons


@when(parsers.parse("officer {officer} returns the file without giving reasons"))
def _return_bare(review_file: ReviewFile, officer: str) -> None:
    world, submission_id = review_file.world, review_file.submission_id
    review_file.attempt(
        lambda: world.screen(submission_id, accept=False, reasons="  ", officer=OFFICERS[officer])
    )


# -- Then --------------------------------------------------------------------------------------


@then("the submitted self-assessment is locked")
def _locked(review_file: ReviewFile) -> None:
    (sheet,) = review_file.world.sheets(review_file.submission_id, SheetKind.SELF)
    assert sheet.status == "submitted"
    assert sheet.submitted_at is not None
    assert sheet.submitted_by == review_file.world.provider.user_id


@then(parsers.parse('the provider can no longer change "{criterion}"'))
def _cannot_change(review_file: ReviewFile, criterion: str) -> None:
    _save(review_file, ScoreInput(criterion, 0, evidence_refs=_evidence(criterion)))
    assert isinstance(review_file.refusal, IllegalTransition), review_file.refusal
    assert "only while it is open" in str(review_file.refusal)
    assert review_file.world.scores(_sheet(review_file, 1))[criterion].level == 3


@then(parsers.parse('"{criterion}" is stored with no level, marked cannot judge, with its reason'))
def _stored_missing(review_file: ReviewFile, criterion: str) -> None:
    score = review_file.world.scores(_sheet(review_file, 1))[criterion]
    assert score.level is None
    assert score.cannot_judge is True
    assert (score.no_evidence_reason or "").strip()


def _self_scores(review_file: ReviewFile) -> dict[str, int | None]:
    world = review_file.world
    with world.db.session() as session:
        return self_levels(session, world.submission(review_file.submission_id))


@then(
    parsers.parse(
        'the self-assessment of principle "{code}" counts {judged:d} criteria judged and '
        "{unjudged:d} not judged"
    )
)
def _counts(review_file: ReviewFile, code: str, judged: int, unjudged: int) -> None:
    rubric = review_file.world.rubric
    result = assess(rubric, [RaterScores("provider", _self_scores(review_file))])
    principle = next(p for p in result.principles if p.code == code)
    assert (principle.scored, principle.cannot_judge) == (judged, unjudged)


@then(parsers.parse('the self-assessment mean of principle "{code}" is {mean:g}, not {wrong:g}'))
def _self_mean(review_file: ReviewFile, code: str, mean: float, wrong: float) -> None:
    world = review_file.world
    gaps = self_peer_gap(
        world.rubric, _self_scores(review_file), world.assessment(review_file.submission_id)
    )
    gap = next(g for g in gaps if g.code == code)
    assert gap.self_mean == mean
    assert gap.self_mean != wrong


@then("the provider now works on revision 2 of the self-assessment, which records the reasons")
def _revision_two(review_file: ReviewFile, return_reasons: str) -> None:
    first, second = review_file.world.sheets(review_file.submission_id, SheetKind.SELF)
    assert (first.revision, first.status) == (1, "superseded")
    assert (second.revision, second.status) == (2, "open")
    assert second.supersedes_id == first.id
    assert second.correction_reason == return_reasons


@then("revision 2 starts from the submitted answers")
def _copied(review_file: ReviewFile) -> None:
    world = review_file.world
    old, new = world.scores(_sheet(review_file, 1)), world.scores(_sheet(review_file, 2))
    assert {cid: (s.level, s.evidence_refs) for cid, s in new.items()} == {
        cid: (s.level, s.evidence_refs) for cid, s in old.items()
    }


@then(parsers.parse('revision {revision:d} holds "{criterion}" at level {level:d}'))
def _holds(review_file: ReviewFile, revision: int, criterion: str, level: int) -> None:
    review_file.succeeded()
    score = review_file.world.scores(_sheet(review_file, revision))[criterion]
    assert score.level == level


@then("revision 1 is exactly as the provider submitted it")
def _unchanged(review_file: ReviewFile, submitted_sheet: dict[str, Any]) -> None:
    assert _record(review_file.world, _sheet(review_file, 1)) == submitted_sheet


@then(parsers.parse('the provider is sent a message that quotes "{text}"'))
def _told(review_file: ReviewFile, text: str) -> None:
    world = review_file.world
    with world.db.session() as session:
        messages = session.exec(
            select(Notification).where(Notification.recipient_id == world.provider.user_id)
        ).all()
    assert any(text in f"{m.subject}\n{m.body}" for m in messages), [m.subject for m in messages]
