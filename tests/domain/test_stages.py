"""The transition table: every legal move, and illegal ones per role and stage."""

from __future__ import annotations

import pytest

from qa.domain.enums import Stage
from qa.domain.errors import IllegalTransition, NotAllowed
from qa.domain.stages import (
    DECIDED_STAGES,
    OPEN_STAGES,
    SYSTEM,
    TRANSITIONS,
    Action,
    available_actions,
    plan_transition,
)

LEGAL = [
    (t.action, source, t.target, actor)
    for t in TRANSITIONS
    for source in t.sources
    for actor in t.actors
]


@pytest.mark.parametrize(
    ("action", "source", "target", "actor"),
    LEGAL,
    ids=[f"{a.value}:{s.value}:{r}" for a, s, _, r in LEGAL],
)
def test_every_legal_move(action: Action, source: Stage, target: Stage, actor: str) -> None:
    assert plan_transition(source, action, {actor}).target is target


def test_the_table_is_the_lifecycle_of_the_architecture() -> None:
    path = [
        (Stage.DRAFT, Action.SUBMIT, "provider"),
        (Stage.SUBMITTED, Action.INTAKE_ACCEPT, SYSTEM),
        (Stage.SELF_ASSESSMENT, Action.SUBMIT_SELF_ASSESSMENT, "provider"),
        (Stage.SCREENING, Action.SCREEN_ACCEPT, "officer"),
        (Stage.PEER_REVIEW, Action.REVIEWS_DISAGREE, SYSTEM),
        (Stage.MODERATION, Action.MODERATE, "officer"),
        (Stage.SIGN_OFF, Action.APPROVE_WITH_CONDITIONS, "officer"),
        (Stage.APPROVED_WITH_CONDITIONS, Action.CONDITIONS_MET, "officer"),
    ]
    stage = Stage.DRAFT
    for expected, action, actor in path:
        assert stage is expected
        stage = plan_transition(stage, action, {actor}).target
    assert stage is Stage.APPROVED


def test_every_open_stage_can_be_withdrawn_and_decided_ones_cannot() -> None:
    for stage in OPEN_STAGES:
        assert plan_transition(stage, Action.WITHDRAW, {"provider"}).target is Stage.WITHDRAWN
    for stage in (*DECIDED_STAGES, Stage.WITHDRAWN):
        with pytest.raises(IllegalTransition):
            plan_transition(stage, Action.WITHDRAW, {"officer"})


@pytest.mark.parametrize(
    ("stage", "action", "actor", "error", "message"),
    [
        (
            Stage.DRAFT,
            Action.SUBMIT,
            "reviewer",
            NotAllowed,
            "only a provider or an officer can submit here",
        ),
        (
            Stage.SUBMITTED,
            Action.INTAKE_ACCEPT,
            "officer",
            NotAllowed,
            "only the routing system can intake accept here",
        ),
        (Stage.PEER_REVIEW, Action.REVIEWS_AGREE, "officer", NotAllowed, "routing system"),
        (Stage.SCREENING, Action.SCREEN_ACCEPT, "provider", NotAllowed, "only an officer"),
        (Stage.SIGN_OFF, Action.APPROVE, "reviewer", NotAllowed, "only an officer"),
        (Stage.SIGN_OFF, Action.APPROVE, "agency", NotAllowed, "only an officer"),
        (
            Stage.PEER_REVIEW,
            Action.APPROVE,
            "officer",
            IllegalTransition,
            "cannot approve a submission that is peer review; this is possible only when it "
            "is sign off",
        ),
        (Stage.DRAFT, Action.SCREEN_ACCEPT, "officer", IllegalTransition, "is draft"),
        (Stage.APPROVED, Action.REJECT, "officer", IllegalTransition, "is approved"),
        (
            Stage.REJECTED,
            Action.RESUBMIT,
            "provider",
            IllegalTransition,
            "only when it is revise and resubmit",
        ),
        (Stage.SELF_ASSESSMENT, Action.MODERATE, "officer", IllegalTransition, "moderation"),
        (Stage.WITHDRAWN, Action.SUBMIT, "provider", IllegalTransition, "is withdrawn"),
    ],
)
def test_illegal_moves_say_why_in_words(
    stage: Stage, action: Action, actor: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        plan_transition(stage, action, {actor})


def test_available_actions_per_role() -> None:
    assert available_actions(Stage.SIGN_OFF, {"officer"}) == (
        Action.APPROVE,
        Action.APPROVE_WITH_CONDITIONS,
        Action.REJECT,
        Action.REVISE,
        Action.WITHDRAW,
    )
    assert available_actions(Stage.SIGN_OFF, {"provider"}) == (Action.WITHDRAW,)
    assert available_actions(Stage.PEER_REVIEW, {"reviewer"}) == ()
    assert available_actions(Stage.APPROVED, {"officer", "provider"}) == ()
