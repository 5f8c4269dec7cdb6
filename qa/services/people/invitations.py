"""Sign-in links: an invitation (first password) or a password reset, used once, expiring.

The token is `secrets.token_urlsafe(32)` (256 bits); only its SHA-256 is stored. A new link
for a user revokes their older unused ones, so at most one link per person works at a time.
Using a link sets the password, ends the person's other sessions and signs them in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import InvalidInput, NotFound, QAError
from qa.domain.policy import require_admin
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import AccessToken, User, UserRole
from qa.services.people.account_settings import FieldErrors, password_problems, set_password

LINK_DAYS = 7
MAX_LINK_DAYS = 90


class Purpose(StrEnum):
    INVITE = "invite"
    PASSWORD_RESET = "password_reset"  # noqa: S105 (a purpose, not a password)


class LinkGone(QAError):
    """The link existed but can no longer be used (used, expired or replaced)."""


@dataclass(frozen=True)
class IssuedLink:
    """A new link; `token` exists only here, never in the database."""

    user_id: int
    username: str
    purpose: Purpose
    token: str
    expires_at: datetime

    @property
    def path(self) -> str:
        return f"/invite/{self.token}"

    def url(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path


@dataclass(frozen=True)
class LinkView:
    """What the set-password page shows about a valid link."""

    display_name: str
    username: str
    purpose: Purpose
    expires_at: datetime

    @property
    def is_invitation(self) -> bool:
        return self.purpose is Purpose.INVITE


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_link(
    db: Database,
    actor: Actor,
    user_id: int,
    *,
    purpose: Purpose | None = None,
    days: int = LINK_DAYS,
) -> IssuedLink:
    """A new link for the user; an invitation until they have signed in, then a reset."""
    require_admin(actor)
    if not 1 <= days <= MAX_LINK_DAYS:
        raise InvalidInput(f"a link is valid for 1 to {MAX_LINK_DAYS} days, not {days}")
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no user {user_id}")
        if not user.is_active:
            raise InvalidInput(f"{user.username} is deactivated: reactivate the account first")
        kind = purpose or (Purpose.INVITE if user.last_login_at is None else Purpose.PASSWORD_RESET)
        token = secrets.token_urlsafe(32)
        revoked = revoke_links(session, user_id)
        row = AccessToken(
            token_hash=hash_token(token),
            user_id=user_id,
            purpose=kind.value,
            created_by=actor.user_id,
            expires_at=clock.now(session) + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor,
            "user.link_issued",
            entity_type="user",
            entity_id=user_id,
            after={
                "link_id": row.id,
                "purpose": kind.value,
                "expires_at": row.expires_at.isoformat(),
                "revoked_link_ids": revoked,
            },
        )
        session.commit()
        return IssuedLink(user_id, user.username, kind, token, row.expires_at)


def issue_link_for(
    db: Database, actor: Actor, username: str, *, days: int = LINK_DAYS
) -> IssuedLink:
    """As `issue_link`, by user name (the command line)."""
    with db.session() as session:
        user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None or user.id is None:
        raise NotFound(f"there is no user {username!r}")
    return issue_link(db, actor, user.id, days=days)


def revoke_links(session: Session, user_id: int) -> list[int]:
    """Revoke the user's unused links (the caller commits); returns their ids."""
    rows = session.exec(
        select(AccessToken).where(
            AccessToken.user_id == user_id,
            col(AccessToken.used_at).is_(None),
            col(AccessToken.revoked_at).is_(None),
        )
    ).all()
    now = clock.now(session)
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return [row.id for row in rows if row.id is not None]


def open_link(db: Database, token: str) -> LinkView:
    """The link's person and purpose; NotFound for an unknown token, LinkGone if spent."""
    with db.session() as session:
        row, user = _usable(session, token)
    return LinkView(user.display_name, user.username, Purpose(row.purpose), row.expires_at)


def use_link(db: Database, token: str, *, password: str, confirm: str) -> User:
    """Set the password through the link, once; returns the user to sign in."""
    with db.write() as session:
        row, user = _usable(session, token)
        problems = password_problems(user, password, confirm)
        if problems:
            raise FieldErrors("the password was not set", problems)
        now = clock.now(session)
        claimed = session.execute(
            update(AccessToken)
            .where(
                col(AccessToken.id) == row.id,
                col(AccessToken.used_at).is_(None),
                col(AccessToken.revoked_at).is_(None),
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # used a moment ago
            raise LinkGone("this link has already been used")
        set_password(session, user, password)
        user.last_login_at = now
        roles = session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all()
        actor = Actor(
            user.display_name, user.id, frozenset(Role(r) for r in roles), user.institution_id
        )
        record(
            session,
            actor,
            "user.password_set_by_link",
            entity_type="user",
            entity_id=user.id,
            after={"link_id": row.id, "purpose": row.purpose},
        )
        session.commit()
        return user


def _usable(session: Session, token: str) -> tuple[AccessToken, User]:
    row = session.exec(
        select(AccessToken).where(AccessToken.token_hash == hash_token(token))
    ).first()
    if row is None:
        raise NotFound("this link is not known: check that you copied all of it")
    user = session.get(User, row.user_id)
    assert user is not None
    if row.used_at is not None:
        raise LinkGone("this link has already been used")
    if row.revoked_at is not None or not user.is_active:
        raise LinkGone("this link has been replaced or withdrawn")
    if row.expires_at <= clock.now(session):
        raise LinkGone("this link has expired")
    return row, user
