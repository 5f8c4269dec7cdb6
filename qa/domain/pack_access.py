"""Who may see which audit pack, and what a pack request may ask for.

A pack belongs to whoever asked for it and to their organisation. QA staff (officers,
admins) see every pack. An agency user sees the scheduled packs (built for agencies) and
the packs requested within their own organisation, and never a pack that reveals
reviewers' names, whoever asked for it. A pack someone may not see is answered as if it did
not exist, so its number tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import InvalidInput, NotAllowed
from qa.domain.policy import is_staff

#: The earliest first day and the longest period a pack may cover.
EARLIEST_DAY = date(2000, 1, 1)
LONGEST_PERIOD = timedelta(days=3 * 366)
#: A pack's period may end at most this far ahead (e.g. "this year so far").
FURTHEST_AHEAD = timedelta(days=366)
#: Packs a person may have waiting (queued or building) at once, and ask for in a day.
MAX_WAITING_PER_USER = 3
MAX_REQUESTS_PER_DAY = 20
MAX_PROVIDER_CODE = 64


@dataclass(frozen=True)
class PackFacts:
    """What access to a pack depends on."""

    requested_by: int | None
    organisation_id: int | None
    reveals_reviewers: bool
    scheduled: bool


def can_see_pack(actor: Actor, pack: PackFacts) -> bool:
    if is_staff(actor):
        return True
    if Role.AGENCY not in actor.roles or pack.reveals_reviewers:
        return False
    if pack.scheduled or (actor.user_id is not None and pack.requested_by == actor.user_id):
        return True
    return actor.institution_id is not None and pack.organisation_id == actor.institution_id


def require_pack_requester(actor: Actor) -> None:
    """Asked before any input is read: a person who may not ask learns nothing more."""
    if Role.AGENCY not in actor.roles and not is_staff(actor):
        raise NotAllowed("only a QA agency or a QA officer can ask for an audit pack")


def check_pack_period(first: date, last: date, today: date) -> None:
    """Every problem with a requested period, in plain words (InvalidInput).

    That the period ends after it starts is `PackFilter`'s own rule.
    """
    problems = []
    if first < EARLIEST_DAY:
        problems.append(f"the first day must be on or after {EARLIEST_DAY}")
    if last > today + FURTHEST_AHEAD:
        problems.append(f"the last day must be on or before {today + FURTHEST_AHEAD}")
    if last - first > LONGEST_PERIOD:
        problems.append("a pack covers at most three years: ask for several packs")
    if problems:
        raise InvalidInput("the pack's period is not valid", tuple(problems))


def check_pack_quota(waiting: int, asked_today: int) -> None:
    if waiting >= MAX_WAITING_PER_USER:
        raise InvalidInput(
            f"you already have {waiting} packs waiting to be built: "
            "wait until one is ready before asking for another"
        )
    if asked_today >= MAX_REQUESTS_PER_DAY:
        raise InvalidInput(
            f"you have asked for {asked_today} packs in the last 24 hours, the most allowed"
        )
