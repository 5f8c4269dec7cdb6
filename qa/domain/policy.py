"""Who may act on which object: one place for per-object rules (roles are in `stages`)."""

from __future__ import annotations

from dataclasses import dataclass

from qa.domain.actor import Actor
from qa.domain.enums import Role, Stage
from qa.domain.errors import NotAllowed
from qa.domain.stages import DECIDED_STAGES


@dataclass(frozen=True)
class SubmissionFacts:
    """What the rules need to know about one submission."""

    submission_id: int
    institution_id: int
    reviewer_ids: frozenset[int]  # everyone with a non-cancelled assignment on it


def require_provider_of(actor: Actor, facts: SubmissionFacts) -> None:
    """A provider acts only for their own institution's submissions; officers may help."""
    if Role.OFFICER in actor.roles or Role.ADMIN in actor.roles or actor.is_system:
        return
    if Role.PROVIDER in actor.roles and actor.institution_id == facts.institution_id:
        return
    raise NotAllowed(f"you cannot act for the provider of submission {facts.submission_id}")


def require_officer(actor: Actor) -> None:
    """The QA office's pages and panel management: officers, and admins who stand in."""
    if Role.OFFICER not in actor.roles and Role.ADMIN not in actor.roles:
        raise NotAllowed("only a QA officer can do this")


def is_qa_judge(actor: Actor) -> bool:
    """Judgments (screening, consensus, decisions, conditions met) are the officer's alone.

    An admin opens the office's pages and can manage a panel, but without the officer role
    does not judge a file; the lifecycle's transition table says the same for stage changes.
    """
    return Role.OFFICER in actor.roles


def require_qa_judge(actor: Actor, what: str) -> None:
    if not is_qa_judge(actor):
        raise NotAllowed(f"only a QA officer can {what}")


def require_independent_signer(actor: Actor, facts: SubmissionFacts) -> None:
    """The signer must be an officer who neither reviewed nor provided the submission."""
    require_qa_judge(actor, "sign off a decision")
    if actor.user_id is not None and actor.user_id in facts.reviewer_ids:
        raise NotAllowed(
            f"you reviewed submission {facts.submission_id}, so someone else must sign it off"
        )
    if actor.institution_id is not None and actor.institution_id == facts.institution_id:
        raise NotAllowed(
            f"you belong to the provider of submission {facts.submission_id}, so someone else "
            "must sign it off"
        )


def require_assigned_reviewer(actor: Actor, reviewer_id: int) -> None:
    if actor.user_id != reviewer_id:
        raise NotAllowed("this review is assigned to someone else")


def is_staff(actor: Actor) -> bool:
    """Officers and admins see every file and every name."""
    return bool(actor.roles & {Role.OFFICER, Role.ADMIN}) or actor.is_system


def is_own_provider(actor: Actor, facts: SubmissionFacts) -> bool:
    """The actor belongs to the provider institution of the submission."""
    return Role.PROVIDER in actor.roles and actor.institution_id == facts.institution_id


def require_draft_author(actor: Actor, facts: SubmissionFacts) -> None:
    """A draft is its provider's alone: nothing reaches the QA office until it is submitted."""
    if not is_own_provider(actor, facts):
        raise NotAllowed(
            f"submission {facts.submission_id} is a draft: only its provider sees it until it "
            "is submitted"
        )


def require_viewer_of(
    actor: Actor, facts: SubmissionFacts, stage: str, *, deleted_draft: bool = False
) -> None:
    """Who may open a submission's status page.

    A draft (or a deleted one): its provider's people only. Otherwise staff: every file. A
    provider: their institution's files. An agency: decided files only. A reviewer: the
    files they are (or were) assigned to. Nobody else.
    """
    if stage == Stage.DRAFT.value or deleted_draft:
        require_draft_author(actor, facts)
        return
    if is_staff(actor):
        return
    if is_own_provider(actor, facts):
        return
    if Role.AGENCY in actor.roles and stage in {s.value for s in DECIDED_STAGES}:
        return
    if actor.user_id is not None and actor.user_id in facts.reviewer_ids:
        return
    raise NotAllowed(f"you cannot see submission {facts.submission_id}")


def sees_reviewer_names(actor: Actor) -> bool:
    """Blind review: only staff see who reviewed; providers and agencies see pseudonyms."""
    return is_staff(actor)


def require_admin(actor: Actor) -> None:
    if Role.ADMIN not in actor.roles:
        raise NotAllowed("only an administrator can do this")


def require_agency_or_staff(actor: Actor) -> None:
    """Decided files and audit packs: agencies, officers and admins."""
    if Role.AGENCY not in actor.roles and not is_staff(actor):
        raise NotAllowed("only a QA agency or a QA officer can see this")


#: How many days a file may wait in a stage before the pipeline flags it (None: no limit).
#: Peer review allows the invitation and review periods plus a week for replacements.
STAGE_DAY_LIMITS: dict[str, int] = {
    Stage.SUBMITTED.value: 2,
    Stage.SELF_ASSESSMENT.value: 30,
    Stage.SCREENING.value: 7,
    Stage.PEER_REVIEW.value: 35,
    Stage.MODERATION.value: 10,
    Stage.SIGN_OFF.value: 10,
    Stage.REVISE_AND_RESUBMIT.value: 90,
}


def stage_day_limit(stage: str) -> int | None:
    """The days a file may spend in `stage` before it counts as waiting too long."""
    return STAGE_DAY_LIMITS.get(stage)


def signer_refusal(actor: Actor, facts: SubmissionFacts) -> str | None:
    """Why `require_independent_signer` would refuse this actor, or None (checked in advance)."""
    try:
        require_independent_signer(actor, facts)
    except NotAllowed as refusal:
        return str(refusal)
    return None
