"""Steps shared by the review-lifecycle features: a file in a given stage, reviews, refusals.

Each scenario drives one `World` through the services and the routing steps, exactly as the
web UI and the routing flow will. Step modules that use these steps must name the `world`
fixture (`pytestmark = pytest.mark.usefixtures("world")`) so that pytest parametrises them
over SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pytest_bdd import given, parsers, then, when

from qa.domain.errors import QAError
from qa.domain.scoring import RaterScores, assess
from qa.persistence.models import Assignment
from qa.services.decisions.decisions import sign_off
from tests.world import World

T = TypeVar("T")

#: How the features name panel members, and the panel role each phrase stands for.
MEMBERS = {
    "subject expert": "subject_expert",
    "labour-market expert": "labour_market",
    "learner member": "learner",
}
MEMBER = r"(?P<member>subject expert|labour-market expert|learner member)"
OFFICERS = {"Aoife": 0, "Lukas": 1}


def words(value: str) -> str:
    """A stage or decision as the features write it ("sign off") to its value ("sign_off")."""
    return value.strip().replace(" ", "_").replace("-", "_")


@dataclass
class ReviewFile:
    """The submission a scenario follows, and the refusal of the last attempted action."""

    world: World
    submission_id: int
    refusal: QAError | None = None

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Do what a user asked; a refusal is kept for the `Then ... refused` steps."""
        self.refusal = None
        try:
            return action()
        except QAError as refusal:
            self.refusal = refusal
            return None

    def succeeded(self) -> None:
        assert self.refusal is None, f"refused: {self.refusal} {self._problems()}"

    def member(self, phrase: str) -> Assignment:
        return self.world.panel_member(self.submission_id, MEMBERS[phrase])

    def _problems(self) -> tuple[str, ...]:
        return tuple(getattr(self.refusal, "problems", ()))


def submit_review_with(
    world: World, assignment: Assignment, levels: dict[str, int], default: int
) -> None:
    """A complete review: `levels` for the named criteria, `default` for every other one.

    The reviewer recommends what the rule recommends for their own scores.
    """
    scores = {c.id: levels.get(c.id, default) for c in world.rubric.criteria}
    own: dict[str, int | None] = dict(scores)
    recommendation = assess(world.rubric, [RaterScores("reviewer", own)]).recommended
    world.review(assignment, scores, recommendation.value)


# -- Given -------------------------------------------------------------------------------------


@given(
    parsers.parse('a micro-credential "{title}" that passed intake'), target_fixture="review_file"
)
def _passed_intake(world: World, good_descriptor: dict[str, Any], title: str) -> ReviewFile:
    submission_id = world.submit(good_descriptor | {"title": title})
    world.route()
    assert world.stage(submission_id) == "self_assessment"
    return ReviewFile(world, submission_id)


@given(parsers.parse('a micro-credential "{title}" in peer review'), target_fixture="review_file")
def _in_peer_review(world: World, good_descriptor: dict[str, Any], title: str) -> ReviewFile:
    submission_id = world.to_peer_review(good_descriptor | {"title": title})
    assert world.stage(submission_id) == "peer_review"
    return ReviewFile(world, submission_id)


@given(
    parsers.re(rf"the {MEMBER} submitted a review scoring every criterion (?P<level>[0-3])"),
    converters={"level": int},
)
@when(
    parsers.re(rf"the {MEMBER} submits a review scoring every criterion (?P<level>[0-3])"),
    converters={"level": int},
)
def _uniform_review(review_file: ReviewFile, member: str, level: int) -> None:
    submit_review_with(review_file.world, review_file.member(member), {}, level)


@given("the subject expert and the labour-market expert submitted these scores, all others 3:")
@when("the subject expert and the labour-market expert submit these scores, all others 3:")
def _two_reviews(review_file: ReviewFile, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    assert header == ["criterion", "subject expert", "labour-market expert"], header
    for column, phrase in ((1, "subject expert"), (2, "labour-market expert")):
        levels = {row[0]: int(row[column]) for row in rows}
        submit_review_with(review_file.world, review_file.member(phrase), levels, 3)


# -- When --------------------------------------------------------------------------------------


@given("routing runs")
@when("routing runs")
def _route(review_file: ReviewFile) -> None:
    result = review_file.world.route()
    assert result.failed == {}, result.failed


@when(parsers.parse('officer {officer} signs off "{decision}" without a rationale'))
def _sign_plain(review_file: ReviewFile, officer: str, decision: str) -> None:
    _sign(review_file, officer, decision, None)


@when(parsers.parse('officer {officer} signs off "{decision}" with the rationale "{rationale}"'))
def _sign_reasoned(review_file: ReviewFile, officer: str, decision: str, rationale: str) -> None:
    _sign(review_file, officer, decision, rationale)


def _sign(review_file: ReviewFile, officer: str, decision: str, rationale: str | None) -> None:
    world = review_file.world
    review_file.attempt(
        lambda: sign_off(
            world.db,
            world.officers[OFFICERS[officer]],
            review_file.submission_id,
            expected_version=world.submission(review_file.submission_id).version,
            decision=words(decision),
            rationale=rationale,
            today=world.today,
        )
    )


# -- Then --------------------------------------------------------------------------------------


@then(parsers.parse('the file is at stage "{stage}"'))
def _at_stage(review_file: ReviewFile, stage: str) -> None:
    review_file.succeeded()
    assert review_file.world.stage(review_file.submission_id) == words(stage)


@then(parsers.parse('the file is still at stage "{stage}"'))
def _still_at_stage(review_file: ReviewFile, stage: str) -> None:
    assert review_file.world.stage(review_file.submission_id) == words(stage)


@then(parsers.parse('it is refused with "{text}"'))
def _refused_with(review_file: ReviewFile, text: str) -> None:
    refusal = review_file.refusal
    assert refusal is not None, "the action was not refused"
    said = [str(refusal), *getattr(refusal, "problems", ())]
    assert any(text in line for line in said), said


@then("it is refused, naming:")
def _refused_naming(review_file: ReviewFile, datatable: list[list[str]]) -> None:
    refusal = review_file.refusal
    assert refusal is not None, "the action was not refused"
    problems = list(getattr(refusal, "problems", ()))
    expected = [problem for (problem,) in datatable[1:]]
    assert sorted(problems) == sorted(expected), problems


@then(parsers.parse('the recommended decision is "{decision}"'))
def _recommended(review_file: ReviewFile, decision: str) -> None:
    assessment = review_file.world.assessment(review_file.submission_id)
    assert assessment.recommended == words(decision), assessment.reasons


@then(parsers.parse('the recommendation gives the reason "{reason}"'))
def _reason(review_file: ReviewFile, reason: str) -> None:
    reasons = review_file.world.assessment(review_file.submission_id).reasons
    assert reason in reasons, reasons
