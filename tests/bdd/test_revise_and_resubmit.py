"""Steps for features/revise_and_resubmit.feature (services and routing; SQLite, PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from qa.domain.assignments import SheetKind
from qa.services.decisions.decisions import sign_off
from qa.services.submissions.resubmission import resubmit
from qa.services.submissions.submissions import descriptor_data
from tests.bdd.conftest import OFFICERS, ReviewFile, submit_review_with, words

scenarios("revise_and_resubmit.feature")
pytestmark = pytest.mark.usefixtures("world")


@given(
    parsers.parse(
        'round 1 ended in revise-and-resubmit because both reviewers scored "{criterion}" at 0'
    ),
    target_fixture="round_one",
)
def _round_one(review_file: ReviewFile, criterion: str) -> dict[str, Any]:
    """Round 1 decided; returns everything stored for it at that moment."""
    world, submission_id = review_file.world, review_file.submission_id
    for phrase in ("subject expert", "labour-market expert"):
        submit_review_with(world, review_file.member(phrase), {criterion: 0}, 3)
    world.route()
    assert world.assessment(submission_id).recommended == "revise_and_resubmit"
    sign_off(
        world.db,
        world.officers[OFFICERS["Lukas"]],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="revise_and_resubmit",
        rationale="Publish the assessment criteria before enrolment, then resubmit.",
        today=world.today,
    )
    world.route()
    assert world.stage(submission_id) == "revise_and_resubmit"
    return world.round_record(submission_id, 1)


@when(
    parsers.parse('the provider resubmits with the further information "{text}"'),
    target_fixture="further_information",
)
def _resubmit(review_file: ReviewFile, text: str) -> str:
    world, submission_id = review_file.world, review_file.submission_id
    revised = descriptor_data(world.db, submission_id) | {"further_information": text}
    version = world.submission(submission_id).version
    review_file.attempt(
        lambda: resubmit(
            world.db,
            world.provider,
            submission_id,
            expected_version=version,
            today=world.today,
            revised_descriptor=revised,
        )
    )
    return text


@when("round 2 goes through intake, self-assessment and screening to peer review")
def _round_two_to_peer_review(review_file: ReviewFile) -> None:
    world, submission_id = review_file.world, review_file.submission_id
    review_file.succeeded()
    world.route()
    world.self_assess(submission_id)
    world.screen(submission_id, accept=True)
    world.route()
    assert world.stage(submission_id) == "peer_review"
    assert {a.round_number for a in world.round_assignments(submission_id)} == {2}


@then(parsers.parse('the file is in round {number:d} at stage "{stage}"'))
def _in_round(review_file: ReviewFile, number: int, stage: str) -> None:
    review_file.succeeded()
    submission = review_file.world.submission(review_file.submission_id)
    assert (submission.current_round, submission.stage) == (number, words(stage))


@then(parsers.parse('round {number:d} is closed with the outcome "{outcome}"'))
def _round_closed(review_file: ReviewFile, number: int, outcome: str) -> None:
    record = review_file.world.round_record(review_file.submission_id, number)
    assert record["round"]["closed_at"] is not None
    assert record["round"]["outcome"] == outcome


@then(parsers.parse('the decision for round {number:d} is "{decision}", with no validity dates'))
def _round_decision(review_file: ReviewFile, number: int, decision: str) -> None:
    decisions = review_file.world.round_record(review_file.submission_id, number)["decisions"]
    assert [(d["decision"], d["valid_from"], d["valid_to"]) for d in decisions] == [
        (decision, None, None)
    ]


@then("the round 2 self-assessment is open and empty")
def _fresh_self_assessment(review_file: ReviewFile) -> None:
    world = review_file.world
    (sheet,) = world.sheets(review_file.submission_id, SheetKind.SELF, round_number=2)
    assert (sheet.status, sheet.revision) == ("open", 1)
    assert world.scores(sheet) == {}


@then("round 2 holds the revised descriptor")
def _revised(review_file: ReviewFile, further_information: str) -> None:
    world = review_file.world
    first = world.round_record(review_file.submission_id, 1)["descriptor"]["data"]
    second = world.round_record(review_file.submission_id, 2)["descriptor"]["data"]
    assert second["further_information"] == further_information
    assert first.get("further_information") != further_information
    assert second == first | {"further_information": further_information}


@then("round 1's descriptor, scores and decision are exactly as they were decided")
def _round_one_unchanged(review_file: ReviewFile, round_one: dict[str, Any]) -> None:
    assert review_file.world.round_record(review_file.submission_id, 1) == round_one
    assert {sheet["kind"] for sheet in round_one["sheets"]} == {"self", "peer"}
    assert round_one["decisions"][0]["decision"] == "revise_and_resubmit"
