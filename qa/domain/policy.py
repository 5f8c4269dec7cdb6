"""Who may act on which object: one place for per-object rules (roles are in `stages`)."""

from __future__ import annotations

from dataclasses import dataclass

from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import NotAllowed


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
    if Role.OFFICER not in actor.roles and Role.ADMIN not in actor.roles:
        raise NotAllowed("only a QA officer can do this")


def require_independent_signer(actor: Actor, facts: SubmissionFacts) -> None:
    """The signer must be an officer who neither reviewed nor provided the submission."""
    require_officer(actor)
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
