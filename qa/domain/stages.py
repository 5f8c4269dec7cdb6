"""The review lifecycle as one transition table.

Every stage change goes through `plan_transition`, which says whether an action is possible
in the submission's stage and whether the actor's role may fire it. Completeness (all
criteria scored, reviews in, ...) is checked by the service that fires the action, with the
rule from `qa.domain`; per-object rules (own submission, not a reviewer of it) live in
`qa.domain.policy`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from qa.domain.enums import Role, Stage
from qa.domain.errors import IllegalTransition, NotAllowed

SYSTEM = "system"  # automated steps run by routing, never by a person


class Action(StrEnum):
    SUBMIT = "submit"
    INTAKE_ACCEPT = "intake_accept"
    INTAKE_RETURN = "intake_return"
    SUBMIT_SELF_ASSESSMENT = "submit_self_assessment"
    SCREEN_ACCEPT = "screen_accept"
    SCREEN_RETURN = "screen_return"
    REVIEWS_AGREE = "reviews_agree"
    REVIEWS_DISAGREE = "reviews_disagree"
    MODERATE = "moderate"
    APPROVE = "approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions"
    REJECT = "reject"
    REVISE = "revise"
    RESUBMIT = "resubmit"
    CONDITIONS_MET = "conditions_met"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Transition:
    action: Action
    sources: frozenset[Stage]
    target: Stage
    actors: frozenset[str]  # role values, or SYSTEM
    requires: str  # what must be complete, in words (shown to users, documented)


def _t(
    action: Action, sources: Iterable[Stage], target: Stage, actors: Iterable[str], requires: str
) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(actors), requires)


S = Stage
_PROVIDER, _OFFICER = Role.PROVIDER.value, Role.OFFICER.value

#: Stages from which a submission can still move; decided and withdrawn ones cannot.
OPEN_STAGES = frozenset(
    {
        S.DRAFT,
        S.SUBMITTED,
        S.SELF_ASSESSMENT,
        S.SCREENING,
        S.PEER_REVIEW,
        S.MODERATION,
        S.SIGN_OFF,
        S.REVISE_AND_RESUBMIT,
    }
)
DECIDED_STAGES = frozenset({S.APPROVED, S.APPROVED_WITH_CONDITIONS, S.REJECTED})

TRANSITIONS: tuple[Transition, ...] = (
    _t(
        Action.SUBMIT,
        [S.DRAFT],
        S.SUBMITTED,
        [_PROVIDER, _OFFICER],
        "every mandatory Annex I element present and valid",
    ),
    _t(
        Action.INTAKE_ACCEPT,
        [S.SUBMITTED],
        S.SELF_ASSESSMENT,
        [SYSTEM],
        "the automatic Annex I check passes",
    ),
    _t(
        Action.INTAKE_RETURN,
        [S.SUBMITTED],
        S.DRAFT,
        [SYSTEM],
        "the automatic Annex I check found errors (returned with the reasons)",
    ),
    _t(
        Action.SUBMIT_SELF_ASSESSMENT,
        [S.SELF_ASSESSMENT],
        S.SCREENING,
        [_PROVIDER],
        "every criterion scored or marked cannot judge, each with evidence or a reason why "
        "there is none",
    ),
    _t(
        Action.SCREEN_ACCEPT,
        [S.SCREENING],
        S.PEER_REVIEW,
        [_OFFICER],
        "the file is complete enough for peer review",
    ),
    _t(
        Action.SCREEN_RETURN,
        [S.SCREENING],
        S.SELF_ASSESSMENT,
        [_OFFICER],
        "reasons for the provider",
    ),
    _t(
        Action.REVIEWS_AGREE,
        [S.PEER_REVIEW],
        S.SIGN_OFF,
        [SYSTEM],
        "the required number of reviews submitted and the reviewers agree",
    ),
    _t(
        Action.REVIEWS_DISAGREE,
        [S.PEER_REVIEW],
        S.MODERATION,
        [SYSTEM],
        "the required number of reviews submitted and the reviewers disagree",
    ),
    _t(
        Action.MODERATE,
        [S.MODERATION],
        S.SIGN_OFF,
        [_OFFICER],
        "a consensus score with a rationale for every disputed criterion",
    ),
    _t(
        Action.APPROVE,
        [S.SIGN_OFF],
        S.APPROVED,
        [_OFFICER],
        "a rationale when departing from the recommended decision; the signer did not "
        "review or provide the submission",
    ),
    _t(
        Action.APPROVE_WITH_CONDITIONS,
        [S.SIGN_OFF],
        S.APPROVED_WITH_CONDITIONS,
        [_OFFICER],
        "at least one condition with an owner and a due date",
    ),
    _t(Action.REJECT, [S.SIGN_OFF], S.REJECTED, [_OFFICER], "a rationale"),
    _t(
        Action.REVISE,
        [S.SIGN_OFF],
        S.REVISE_AND_RESUBMIT,
        [_OFFICER],
        "what the provider must revise",
    ),
    _t(
        Action.RESUBMIT,
        [S.REVISE_AND_RESUBMIT],
        S.SUBMITTED,
        [_PROVIDER],
        "a revised descriptor; opens a new round",
    ),
    _t(
        Action.CONDITIONS_MET,
        [S.APPROVED_WITH_CONDITIONS],
        S.APPROVED,
        [_OFFICER],
        "every condition met",
    ),
    _t(Action.WITHDRAW, OPEN_STAGES, S.WITHDRAWN, [_PROVIDER, _OFFICER], "a reason"),
)

_BY_ACTION: dict[Action, Transition] = {t.action: t for t in TRANSITIONS}


def _who(actor: str) -> str:
    if actor == SYSTEM:
        return "the routing system"
    return f"an {actor}" if actor[0] in "aeiou" else f"a {actor}"


def _words(value: str) -> str:
    return value.replace("_", " ")


def plan_transition(stage: Stage, action: Action, actor: Iterable[str]) -> Transition:
    """The transition for `action` from `stage` by an actor holding `actor` roles.

    Raises `IllegalTransition` when the action is impossible in this stage and `NotAllowed`
    when none of the actor's roles may fire it; both messages are meant for users.
    """
    transition = _BY_ACTION[action]
    if stage not in transition.sources:
        possible = ", ".join(sorted(_words(s.value) for s in transition.sources))
        raise IllegalTransition(
            f"cannot {_words(action.value)} a submission that is {_words(stage.value)}; "
            f"this is possible only when it is {possible}"
        )
    roles = set(actor)
    if not roles & transition.actors:
        who = " or ".join(sorted(_who(a) for a in transition.actors))
        raise NotAllowed(f"only {who} can {_words(action.value)} here")
    return transition


def available_actions(stage: Stage, actor: Iterable[str]) -> tuple[Action, ...]:
    """What this actor could do now (templates show these; completeness is checked later)."""
    roles = set(actor)
    return tuple(t.action for t in TRANSITIONS if stage in t.sources and roles & t.actors)


def is_open(stage: Stage) -> bool:
    return stage in OPEN_STAGES
