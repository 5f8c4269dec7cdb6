"""Steps for features/sign_off.feature (services and routing; SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from pytest_bdd import given, parsers, scenario, scenarios, then, when
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.errors import Conflict, QAError
from qa.persistence.models import AuditEntry, Condition, Decision, Notification
from qa.services.decisions.decisions import ConditionInput, mark_condition_met, sign_off
from tests.bdd.conftest import MEMBER, OFFICERS, ReviewFile, submit_review_with, words
from tests.bdd.dates import feature_day


@scenario("sign_off.feature", "The audit trail shows each condition going from open to met")
def test_the_audit_trail_shows_each_condition_going_from_open_to_met() -> None:
    """Each condition's audit entry records the state before and after."""


scenarios("sign_off.feature")
pytestmark = pytest.mark.usefixtures("world")


@dataclass(frozen=True)
class Signature:
    """One officer's attempt to sign in the race: the decision, or why it was refused."""

    officer: str
    decision: Decision | None
    refusal: QAError | None


def _conditions(datatable: list[list[str]]) -> list[ConditionInput]:
    header, *rows = datatable
    assert header == ["condition", "owner", "due date"], header
    return [ConditionInput(text, owner, feature_day(due)) for text, owner, due in rows]


def _approve_with(
    review_file: ReviewFile, officer: Actor, conditions: list[ConditionInput]
) -> None:
    world = review_file.world
    review_file.attempt(
        lambda: sign_off(
            world.db,
            officer,
            review_file.submission_id,
            expected_version=world.submission(review_file.submission_id).version,
            decision="approved_with_conditions",
            rationale=None,
            today=world.today,
            conditions=conditions,
        )
    )


def _decision(review_file: ReviewFile) -> Decision:
    (decision,) = review_file.world.decisions(review_file.submission_id)
    return decision


def _conditions_of(review_file: ReviewFile) -> list[Condition]:
    decision = _decision(review_file)
    with review_file.world.db.session() as session:
        return list(
            session.exec(
                select(Condition)
                .where(Condition.decision_id == decision.id)
                .order_by(col(Condition.id))
            )
        )


# -- Given -------------------------------------------------------------------------------------


@given(parsers.re(rf"the {MEMBER} is also a QA officer"), target_fixture="dual_role")
def _also_officer(review_file: ReviewFile, member: str) -> Actor:
    world = review_file.world
    return world.make_officer(world.reviewer_for(review_file.member(member)))


@given("the file was approved with conditions:")
def _approved_with_conditions(review_file: ReviewFile, datatable: list[list[str]]) -> None:
    world = review_file.world
    for phrase in ("subject expert", "labour-market expert"):
        submit_review_with(world, review_file.member(phrase), {"RECG-2": 0}, 3)
    world.route()
    _approve_with(review_file, world.officers[OFFICERS["Lukas"]], _conditions(datatable))
    review_file.succeeded()
    assert world.stage(review_file.submission_id) == "approved_with_conditions"


# -- When --------------------------------------------------------------------------------------


@when(parsers.re(rf'the {MEMBER} signs off "(?P<decision>[^"]+)" as QA officer'))
def _sign_as_reviewer(review_file: ReviewFile, dual_role: Actor, decision: str) -> None:
    world = review_file.world
    review_file.attempt(
        lambda: sign_off(
            world.db,
            dual_role,
            review_file.submission_id,
            expected_version=world.submission(review_file.submission_id).version,
            decision=words(decision),
            rationale=None,
            today=world.today,
        )
    )


@when(parsers.parse("officer {officer} approves with conditions:"))
def _approve(review_file: ReviewFile, officer: str, datatable: list[list[str]]) -> None:
    actor = review_file.world.officers[OFFICERS[officer]]
    _approve_with(review_file, actor, _conditions(datatable))


@when(
    parsers.parse('officers {first} and {second} both sign off "{decision}" at the same moment'),
    target_fixture="signatures",
)
def _race(review_file: ReviewFile, first: str, second: str, decision: str) -> list[Signature]:
    world = review_file.world
    seen = world.submission(review_file.submission_id).version  # both loaded the same page
    start = threading.Barrier(2)

    def sign(officer: str) -> Signature:
        start.wait(timeout=10)
        try:
            signed = sign_off(
                world.db,
                world.officers[OFFICERS[officer]],
                review_file.submission_id,
                expected_version=seen,
                decision=words(decision),
                rationale=None,
                today=world.today,
            )
        except QAError as refusal:
            return Signature(officer, None, refusal)
        return Signature(officer, signed, None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(sign, [first, second]))


@when(parsers.parse('officer {officer} records the condition "{text}" as met with "{evidence}"'))
def _condition_met(review_file: ReviewFile, officer: str, text: str, evidence: str) -> None:
    world = review_file.world
    condition = next(c for c in _conditions_of(review_file) if c.text == text)
    assert condition.id is not None
    condition_id, version = condition.id, condition.version
    review_file.attempt(
        lambda: mark_condition_met(
            world.db,
            world.officers[OFFICERS[officer]],
            condition_id,
            expected_version=version,
            evidence=evidence,
        )
    )


# -- Then --------------------------------------------------------------------------------------


@then(
    parsers.parse(
        'the mean of principle "{first}" is {first_mean:g} and of principle "{second}" is '
        "{second_mean:g}"
    )
)
def _means(
    review_file: ReviewFile, first: str, first_mean: float, second: str, second_mean: float
) -> None:
    principles = review_file.world.assessment(review_file.submission_id).principles
    means = {p.code: p.mean for p in principles}
    assert (means[first], means[second]) == (first_mean, second_mean)


@then(parsers.parse('the decision, signed by {officer}, records "{recommended}" as recommended'))
def _decision_signed(review_file: ReviewFile, officer: str, recommended: str) -> None:
    decision = _decision(review_file)
    assert decision.signed_by == review_file.world.officers[OFFICERS[officer]].user_id
    assert decision.recommended_decision == words(recommended)
    assert decision.aggregates is not None
    assert decision.aggregates["recommended"] == words(recommended)


@then(parsers.parse("the decision is valid from {valid_from}, for {years:d} years"))
def _validity(review_file: ReviewFile, valid_from: str, years: int) -> None:
    decision = _decision(review_file)
    start = feature_day(valid_from, review_file.world.today)
    assert decision.valid_from == start
    assert decision.valid_to == feature_day(f"in {years} years", start)


@then(parsers.parse('the decision keeps the rationale "{rationale}"'))
def _rationale(review_file: ReviewFile, rationale: str) -> None:
    assert _decision(review_file).rationale == rationale


@then(parsers.parse('the provider is told "{what}"'))
def _provider_told(review_file: ReviewFile, what: str) -> None:
    world = review_file.world
    with world.db.session() as session:
        subjects = session.exec(
            select(Notification.subject).where(Notification.recipient_id == world.provider.user_id)
        ).all()
    assert any(subject.endswith(f": {what}") for subject in subjects), subjects


@then(parsers.parse("the decision has {count:d} open conditions"))
def _open_conditions(review_file: ReviewFile, count: int) -> None:
    conditions = _conditions_of(review_file)
    assert [c.status for c in conditions] == ["open"] * count
    assert all(c.owner and c.due_date > review_file.world.today for c in conditions)


@then("one decision is recorded, signed by the officer whose signature went through")
def _one_decision(review_file: ReviewFile, signatures: list[Signature]) -> None:
    (winner,) = [s for s in signatures if s.decision is not None]
    (decision,) = review_file.world.decisions(review_file.submission_id)
    assert decision.signed_by == review_file.world.officers[OFFICERS[winner.officer]].user_id


@then("the other officer is told to reload the file")
def _told_to_reload(signatures: list[Signature]) -> None:
    (loser,) = [s for s in signatures if s.decision is None]
    assert isinstance(loser.refusal, Conflict), loser.refusal
    assert "reload" in str(loser.refusal)


@then("the conditions are met, each with its evidence")
def _conditions_met(review_file: ReviewFile) -> None:
    conditions = _conditions_of(review_file)
    assert all(c.status == "met" and c.evidence and c.met_by for c in conditions)


@then(parsers.parse('the audit trail shows the condition going from "{before}" to "{after}"'))
def _audited(review_file: ReviewFile, before: str, after: str) -> None:
    with review_file.world.db.session() as session:
        entries = session.exec(
            select(AuditEntry).where(
                AuditEntry.submission_id == review_file.submission_id,
                AuditEntry.action == "condition.met",
            )
        ).all()
    assert [(e.before or {}).get("status") for e in entries] == [before]
    assert [(e.after or {}).get("status") for e in entries] == [after]
