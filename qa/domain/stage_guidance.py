"""Stages in words, and what happens next: who holds the file and what they must do.

Templates show these; they never compare stage strings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qa.domain.enums import Stage
from qa.domain.stages import TRANSITIONS, Action

STAGE_NAMES: dict[Stage, str] = {
    Stage.DRAFT: "Draft",
    Stage.SUBMITTED: "Submitted (automatic check)",
    Stage.SELF_ASSESSMENT: "Self-assessment",
    Stage.SCREENING: "Screening by the QA office",
    Stage.PEER_REVIEW: "Peer review",
    Stage.MODERATION: "Moderation",
    Stage.SIGN_OFF: "Waiting for the decision",
    Stage.APPROVED: "Approved",
    Stage.APPROVED_WITH_CONDITIONS: "Approved with conditions",
    Stage.REJECTED: "Rejected",
    Stage.REVISE_AND_RESUBMIT: "Revise and resubmit",
    Stage.WITHDRAWN: "Withdrawn",
}


#: A draft its provider deleted is stored as withdrawn straight from draft; it is named so.
DELETED_DRAFT_NAME = "Deleted draft"


def is_deleted_draft(stage: str, from_stage: str | None) -> bool:
    """Whether a file withdrawn from `from_stage` is a deleted draft (never under review)."""
    return stage == Stage.WITHDRAWN.value and from_stage == Stage.DRAFT.value


class Tone(StrEnum):
    """How a stage tag is coloured: neutral, good news, needs attention, final and negative."""

    NEUTRAL = ""
    OK = "ok"
    WARN = "warn"
    BAD = "bad"


_TONES = {
    Stage.APPROVED: Tone.OK,
    Stage.APPROVED_WITH_CONDITIONS: Tone.WARN,
    Stage.REVISE_AND_RESUBMIT: Tone.WARN,
    Stage.REJECTED: Tone.BAD,
    Stage.WITHDRAWN: Tone.BAD,
}


class Holder(StrEnum):
    """Who the file waits for."""

    PROVIDER = "provider"
    SYSTEM = "system"
    QA_OFFICE = "qa_office"
    REVIEWERS = "reviewers"
    NOBODY = "nobody"


@dataclass(frozen=True)
class NextStep:
    holder: Holder
    text: str


_FOR_PROVIDER: dict[Stage, NextStep] = {
    Stage.DRAFT: NextStep(
        Holder.PROVIDER,
        "Complete the descriptor and submit it for review. Only your institution sees a "
        "draft: nothing is sent to the QA office until you submit it.",
    ),
    Stage.SUBMITTED: NextStep(
        Holder.SYSTEM,
        "The automatic Annex I check runs now; the self-assessment opens when it passes.",
    ),
    Stage.SELF_ASSESSMENT: NextStep(
        Holder.PROVIDER,
        "Complete your self-assessment: score every criterion of the rubric with evidence "
        "(or say why there is none), then submit it.",
    ),
    Stage.SCREENING: NextStep(
        Holder.QA_OFFICE,
        "A QA officer checks that the file is complete enough for peer review. They may "
        "return it to you with reasons.",
    ),
    Stage.PEER_REVIEW: NextStep(
        Holder.REVIEWERS,
        "Independent reviewers score the micro-credential against the rubric. You will see "
        "their summaries with the decision.",
    ),
    Stage.MODERATION: NextStep(
        Holder.QA_OFFICE,
        "The reviewers disagreed on some criteria; a QA officer agrees a consensus score.",
    ),
    Stage.SIGN_OFF: NextStep(
        Holder.QA_OFFICE,
        "All reviews are in. A QA officer who did not review it signs the decision.",
    ),
    Stage.APPROVED: NextStep(Holder.NOBODY, "Approved. No action is needed from you."),
    Stage.APPROVED_WITH_CONDITIONS: NextStep(
        Holder.PROVIDER,
        "Approved with conditions: meet each condition by its due date; the QA office "
        "records each one as met, and the approval becomes unconditional when all are met.",
    ),
    Stage.REJECTED: NextStep(Holder.NOBODY, "Rejected. The decision and its rationale are below."),
    Stage.REVISE_AND_RESUBMIT: NextStep(
        Holder.PROVIDER,
        "Revise the micro-credential as the decision asks and resubmit it: this opens a new "
        "review round, with a new self-assessment. Earlier rounds stay on record unchanged.",
    ),
    Stage.WITHDRAWN: NextStep(Holder.NOBODY, "Withdrawn. The file is closed."),
}

_FOR_STAFF: dict[Stage, str] = {
    Stage.DRAFT: "The provider is preparing the descriptor.",
    Stage.SUBMITTED: "Waiting for the automatic intake check.",
    Stage.SELF_ASSESSMENT: "Waiting for the provider's self-assessment.",
    Stage.SCREENING: "Screen the file: accept it for peer review or return it with reasons.",
    Stage.PEER_REVIEW: "Reviewers are scoring; follow the invitations and due dates.",
    Stage.MODERATION: "Agree a consensus score for each disputed criterion.",
    Stage.SIGN_OFF: "Ready for a decision by an officer who did not review it.",
    Stage.APPROVED_WITH_CONDITIONS: "Record each condition as met when the evidence is in.",
    Stage.REVISE_AND_RESUBMIT: "Waiting for the provider to revise and resubmit.",
}


def stage_name(stage: str, *, deleted_draft: bool = False) -> str:
    if deleted_draft:
        return DELETED_DRAFT_NAME
    try:
        return STAGE_NAMES[Stage(stage)]
    except ValueError:
        return stage.replace("_", " ")


def stage_tone(stage: str, *, deleted_draft: bool = False) -> Tone:
    if deleted_draft:
        return Tone.NEUTRAL
    try:
        return _TONES.get(Stage(stage), Tone.NEUTRAL)
    except ValueError:
        return Tone.NEUTRAL


_DELETED_DRAFT_STEP = NextStep(
    Holder.NOBODY,
    "Deleted. The draft was never submitted for review; only the audit trail keeps a line "
    "saying that it was deleted.",
)


def next_step(stage: Stage, *, staff: bool, deleted_draft: bool = False) -> NextStep:
    """What happens next, worded for the provider or for the QA office."""
    if deleted_draft:
        return _DELETED_DRAFT_STEP
    provider_view = _FOR_PROVIDER[stage]
    if staff and stage in _FOR_STAFF:
        return NextStep(provider_view.holder, _FOR_STAFF[stage])
    return provider_view


_EVENTS: dict[Action, str] = {
    Action.SUBMIT: "Submitted for review",
    Action.INTAKE_ACCEPT: "Passed the automatic Annex I check",
    Action.INTAKE_RETURN: "Returned by the automatic Annex I check",
    Action.SUBMIT_SELF_ASSESSMENT: "Self-assessment submitted",
    Action.SCREEN_ACCEPT: "Accepted for peer review",
    Action.SCREEN_RETURN: "Returned at screening",
    Action.REVIEWS_AGREE: "Reviews in; the reviewers agree",
    Action.REVIEWS_DISAGREE: "Reviews in; the reviewers disagree",
    Action.MODERATE: "Consensus agreed",
    Action.APPROVE: "Decided: approved",
    Action.APPROVE_WITH_CONDITIONS: "Decided: approved with conditions",
    Action.REJECT: "Decided: rejected",
    Action.REVISE: "Decided: revise and resubmit",
    Action.RESUBMIT: "Resubmitted",
    Action.CONDITIONS_MET: "All conditions met",
    Action.WITHDRAW: "Withdrawn",
}


def event_name(from_stage: str | None, to_stage: str) -> str:
    """A stage change told as what happened ("Self-assessment submitted")."""
    if is_deleted_draft(to_stage, from_stage):
        return "Draft deleted"
    for transition in TRANSITIONS:
        if transition.target.value == to_stage and any(
            source.value == from_stage for source in transition.sources
        ):
            return _EVENTS[transition.action]
    return f"Moved to {stage_name(to_stage).lower()}"
