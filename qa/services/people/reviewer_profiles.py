"""Reviewer profiles: edited by the reviewer (all but the panel role) or an admin; imported.

Each change is a compare-and-set on the profile's version with the before/after in the
audit entry (the profile's history) and an outbox message, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel import Session, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import InvalidInput, NotAllowed, NotFound
from qa.domain.panel_round import Period
from qa.domain.reviewer_profile import ProfileValues, parse_profile
from qa.persistence.db import Database
from qa.persistence.locking import update_versioned
from qa.persistence.models import ReviewerProfile, User, UserRole
from qa.persistence.outbox import enqueue


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the heading is row 1 in a spreadsheet, so add 1 there)
    field: str
    message: str


class ImportRefused(InvalidInput):
    """The file had errors; nothing was changed."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} error(s); nothing was imported")


def _columns(values: ProfileValues) -> dict[str, Any]:
    return {
        "eqf_levels": list(values.eqf_levels),
        "languages": list(values.languages),
        "institution": values.institution,
        "former_institutions": list(values.former_institutions),
        "statement": values.statement,
        "max_load": values.max_load,
        "unavailable": [[p.start.isoformat(), p.end.isoformat()] for p in values.unavailable],
    }


def profile_values(user: User, profile: ReviewerProfile | None) -> ProfileValues:
    """What the solver and the profile form read."""
    if profile is None:
        return ProfileValues(expertise=tuple(user.expertise), panel_role=user.panel_role)
    return ProfileValues(
        expertise=tuple(user.expertise),
        panel_role=user.panel_role,
        eqf_levels=tuple(profile.eqf_levels),
        languages=tuple(profile.languages),
        institution=profile.institution,
        former_institutions=tuple(profile.former_institutions),
        statement=profile.statement,
        max_load=profile.max_load,
        unavailable=tuple(Period.from_iso(start, end) for start, end in profile.unavailable),
    )


def get_profile(session: Session, user_id: int) -> ReviewerProfile | None:
    return session.exec(select(ReviewerProfile).where(ReviewerProfile.user_id == user_id)).first()


def update_profile(
    db: Database,
    actor: Actor,
    user_id: int,
    raw: Mapping[str, Any],
    *,
    expected_version: int | None,
) -> ReviewerProfile:
    """Save the profile; `expected_version` None only when it does not exist yet."""
    is_admin = Role.ADMIN in actor.roles
    if (actor.user_id != user_id or Role.REVIEWER not in actor.roles) and not is_admin:
        raise NotAllowed("only the reviewer or an administrator can change this profile")
    values, errors = parse_profile(raw)
    if values is None:
        raise InvalidInput("; ".join(f"{k}: {v}" for k, v in errors.items()))
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no user {user_id}")
        if "panel_role" not in raw:  # the reviewer's own form has no role field
            values = replace(values, panel_role=user.panel_role)
        if values.panel_role != user.panel_role and not is_admin:
            raise NotAllowed("the panel role is set by the QA office, not by the reviewer")
        profile = save_in(session, actor, user, values, expected_version)
        session.commit()
        session.refresh(profile)
        return profile


def save_in(
    session: Session,
    actor: Actor,
    user: User,
    values: ProfileValues,
    expected_version: int | None,
) -> ReviewerProfile:
    """Create or compare-and-set the profile inside the caller's transaction."""
    assert user.id is not None
    profile = get_profile(session, user.id)
    columns = _columns(values)
    before: dict[str, Any] = {"expertise": list(user.expertise), "panel_role": user.panel_role}
    if profile is None:
        if expected_version not in (None, 0):
            raise InvalidInput("this profile does not exist yet; reload the page")
        profile = ReviewerProfile(user_id=user.id, **columns)
        session.add(profile)
        session.flush()
    else:
        before |= {name: getattr(profile, name) for name in columns}
        assert profile.id is not None
        version = profile.version if expected_version is None else expected_version
        update_versioned(
            session, ReviewerProfile, profile.id, version, columns, what="this profile"
        )
    user.expertise = list(values.expertise)
    user.panel_role = values.panel_role
    session.add(user)
    after = columns | {"expertise": list(values.expertise), "panel_role": values.panel_role}
    record(
        session,
        actor,
        "reviewer.profile_saved",
        entity_type="user",
        entity_id=user.id,
        before=before,
        after=after,
    )
    enqueue(session, "reviewer.profile_saved", payload={"user_id": user.id})
    return profile


def import_profiles(
    db: Database, actor: Actor, rows: Sequence[Mapping[str, Any]]
) -> list[ReviewerProfile]:
    """All rows or none: every row's errors are collected before anything is written."""
    if Role.ADMIN not in actor.roles:
        raise NotAllowed("only an administrator can import reviewer profiles")
    problems: list[RowError] = []
    parsed: list[tuple[str, ProfileValues]] = []
    with db.write() as session:
        reviewers = {
            u.username: u
            for u in session.exec(
                select(User).join(UserRole).where(UserRole.role == Role.REVIEWER.value)
            ).all()
        }
        seen: set[str] = set()
        for number, raw in enumerate(rows, start=1):
            username = str(raw.get("username") or "").strip().lower()
            if username not in reviewers:
                problems.append(RowError(number, "username", f"no reviewer {username!r}"))
                continue
            if username in seen:
                problems.append(RowError(number, "username", f"{username} appears twice"))
                continue
            seen.add(username)
            values, errors = parse_profile(raw)
            problems += [RowError(number, k, v) for k, v in errors.items()]
            if values is not None:
                parsed.append((username, values))
        if problems:
            raise ImportRefused(problems)
        saved = [save_in(session, actor, reviewers[u], v, None) for u, v in parsed]
        session.commit()
        return saved


@dataclass(frozen=True)
class ProfileForm:
    """The reviewer's own form: values as the fields show them, and the version."""

    values: dict[str, str]
    panel_role: str | None
    version: int | None


def profile_form(db: Database, actor: Actor, user_id: int) -> ProfileForm:
    if Role.REVIEWER not in actor.roles and Role.ADMIN not in actor.roles:
        raise NotAllowed("only reviewers have a reviewer profile")
    if actor.user_id != user_id and Role.ADMIN not in actor.roles:
        raise NotAllowed("only the reviewer or an administrator can see this profile")
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no user {user_id}")
        profile = get_profile(session, user_id)
        values = profile_values(user, profile)
    return ProfileForm(
        {
            "expertise": "; ".join(values.expertise),
            "eqf_levels": "; ".join(str(level) for level in values.eqf_levels),
            "languages": "; ".join(values.languages),
            "institution": values.institution or "",
            "former_institutions": "; ".join(values.former_institutions),
            "statement": values.statement,
            "max_load": "" if values.max_load is None else str(values.max_load),
            "unavailable": "; ".join(
                f"{p.start.isoformat()}/{p.end.isoformat()}" for p in values.unavailable
            ),
        },
        values.panel_role,
        profile.version if profile else None,
    )
