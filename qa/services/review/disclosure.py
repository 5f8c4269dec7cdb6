"""The pseudonymity boundary of pages: what a provider or an agency reads is scrubbed here.

Page builders return plain view models (frozen dataclasses, tuples, strings). For anyone
who is not QA staff, `for_outsiders` walks the whole view and passes every string through
one redactor (`qa.domain.redaction`), so a new field on a page cannot forget it. Everyone
the office knows is taken out: reviewers become "a reviewer", officers and administrators
"the QA office", agency staff "the agency", other providers' people "a provider". The
viewer's own institution is left alone: a provider knows its own staff.

Messages to a provider's people (`for_provider_mail`) pass through the same redactor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlmodel import Session, col

from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.policy import is_staff
from qa.domain.redaction import Identity, Redactor
from qa.persistence.models import User, UserRole

T = TypeVar("T")
#: What a person is called, by their strongest role, for someone outside the office.
_ROLE_WORDS = (
    ("officer", "the QA office"),
    ("admin", "the QA office"),
    ("reviewer", "a reviewer"),
    ("agency", "the agency"),
    ("provider", "a provider"),
)


def outsiders_redactor(session: Session, viewer: Actor) -> Callable[[str], str]:
    """Scrubs every account of the office from text, except the viewer's own institution's.

    Built once per session and institution (`session.info`): routing mails many providers
    in one transaction, and building the redactor reads every account.
    """
    cache: dict[int | None, Redactor] = session.info.setdefault("qa.outsiders_redactor", {})
    if viewer.institution_id not in cache:
        cache[viewer.institution_id] = _build_redactor(session, viewer)
    return cache[viewer.institution_id]


def _build_redactor(session: Session, viewer: Actor) -> Redactor:
    roles: dict[int, set[str]] = {}
    for uid, role in session.execute(select(col(UserRole.user_id), col(UserRole.role))):
        roles.setdefault(uid, set()).add(role)
    identities = []
    for uid, display_name, username, email, institution_id in session.execute(
        select(
            col(User.id),
            col(User.display_name),
            col(User.username),
            col(User.email),
            col(User.institution_id),
        ).order_by(col(User.id))
    ):
        if viewer.institution_id is not None and institution_id == viewer.institution_id:
            continue
        held = roles.get(uid, set())
        word = next((w for role, w in _ROLE_WORDS if role in held), "someone at the office")
        identities.append(Identity(display_name, username, email, word))
    return Redactor(identities)


def for_provider_mail(session: Session, institution_id: int) -> Callable[[str], str]:
    """The scrub for text mailed to the people of a provider institution."""
    reader = Actor("provider mail", roles=frozenset({Role.PROVIDER}), institution_id=institution_id)
    return outsiders_redactor(session, reader)


def for_outsiders(session: Session, viewer: Actor, view: T) -> T:
    """The view as `viewer` may read it: unchanged for QA staff, scrubbed for anyone else."""
    if is_staff(viewer):
        return view
    return redacted(view, outsiders_redactor(session, viewer))


def redacted(value: T, scrub: Callable[[str], str]) -> T:
    """`value` with every string inside it (dataclass fields, tuples, lists, dicts) scrubbed."""
    return _walk(value, scrub)  # type: ignore[no-any-return]


def _walk(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            field.name: _walk(getattr(value, field.name), scrub)
            for field in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_walk(item, scrub) for item in value)
    if isinstance(value, list):
        return [_walk(item, scrub) for item in value]
    if isinstance(value, dict):
        return {key: _walk(item, scrub) for key, item in value.items()}
    return value
