"""Server-side web sessions: signing out (or timing out) ends a session for every copy of it.

The browser's cookie holds a random session id; the database holds its SHA-256, the user,
the user's session version when it began, when it was last seen and when it expires. A
session is valid while it is not ended, within its absolute lifetime, seen within the idle
timeout, and the user is active with the same session version ("sign out everywhere",
a password change and deactivation bump the user's version).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, update
from sqlalchemy import select as core_select
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import User, UserRole, WebSession

#: "Last seen" is written at most this often per session (not on every request).
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=2)
    lifetime: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class SessionUser:
    """Who a request belongs to: what every page needs, read in one light query."""

    id: int
    username: str
    display_name: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def start_session(session: Session, user: User, policy: SessionPolicy) -> str:
    """A new session for `user` in the caller's transaction; returns the cookie's id.

    Sessions past their lifetime are pruned here, so the table stays small.
    """
    assert user.id is not None
    now = clock.now(session)
    session.execute(delete(WebSession).where(col(WebSession.expires_at) < now))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user.id,
            session_version=user.session_version,
            last_seen_at=now,
            expires_at=now + policy.lifetime,
        )
    )
    return token


def end_session(db: Database, actor: Actor, token: str) -> None:
    """Sign out: the session is ended on the server, whoever holds a copy of its cookie."""
    with db.write() as session:
        row = session.exec(
            select(WebSession).where(col(WebSession.token_hash) == token_hash(token))
        ).first()
        if row is None or row.ended_at is not None:
            return
        row.ended_at = clock.now(session)
        session.add(row)
        record(session, actor, "user.signed_out", entity_type="user", entity_id=row.user_id)
        session.commit()


def carry_over(session: Session, token: str | None, session_version: int) -> None:
    """Keep the caller's own session valid after its user's version was bumped."""
    if token:
        session.execute(
            update(WebSession)
            .where(col(WebSession.token_hash) == token_hash(token))
            .values(session_version=session_version)
        )


def session_principal(
    db: Database, token: object, policy: SessionPolicy
) -> tuple[SessionUser, Actor] | None:
    """The session's user and their actor (with roles), if the session is still valid.

    One Core query of plain columns (it runs on every request), and a write of "last seen"
    at most once a minute per session. A connection found dead on the way (the server
    restarted, the backend was terminated) is replaced and the lookup run once more: the
    request has written nothing yet, and "last seen" is the same whether written once or
    twice.
    """
    try:
        return _principal(db, token, policy)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return _principal(db, token, policy)


def _principal(
    db: Database, token: object, policy: SessionPolicy
) -> tuple[SessionUser, Actor] | None:
    if not isinstance(token, str) or not token:
        return None
    now = db.clock.now()
    with db.engine.connect() as connection:
        rows = connection.execute(_PRINCIPAL, {"token_hash": token_hash(token)}).all()
    if not rows:
        return None
    first = rows[0]
    if not _valid(first, now, policy):
        return None
    if now - first.last_seen_at >= TOUCH_EVERY:
        with db.engine.begin() as connection:
            connection.execute(_TOUCH, {"session_id": first.session_id, "now": now})
    roles = frozenset(Role(row.role) for row in rows if row.role is not None)
    return (
        SessionUser(first.user_id, first.username, first.display_name),
        Actor(first.display_name, first.user_id, roles, first.institution_id),
    )


def _valid(row: Row[Any], now: datetime, policy: SessionPolicy) -> bool:
    return bool(
        row.ended_at is None
        and now < row.expires_at
        and now - row.last_seen_at < policy.idle
        and row.is_active
        and row.session_version == row.user_version
    )


#: Built once: they run on every request.
_PRINCIPAL: Select[*tuple[Any, ...]] = (
    core_select(
        col(WebSession.id).label("session_id"),
        col(User.id).label("user_id"),
        col(User.username),
        col(User.display_name),
        col(User.institution_id),
        col(User.is_active),
        col(User.session_version).label("user_version"),
        col(WebSession.session_version),
        col(WebSession.last_seen_at),
        col(WebSession.expires_at),
        col(WebSession.ended_at),
        col(UserRole.role),
    )
    .join(User, col(User.id) == col(WebSession.user_id))
    .outerjoin(UserRole, col(UserRole.user_id) == col(User.id))
    .where(col(WebSession.token_hash) == bindparam("token_hash"))
)
_TOUCH = (
    update(WebSession)
    .where(col(WebSession.id) == bindparam("session_id"))
    .values(last_seen_at=bindparam("now"))
)
