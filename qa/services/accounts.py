"""Signing in: password check, sign-in throttling and the user a session belongs to."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import col, or_, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import User, UserRole
from qa.services.passwords import hash_password, verify_password

#: A password hash to verify against when the user does not exist, so the answer takes as
#: long for unknown names as for wrong passwords.
_DUMMY_HASH = hash_password("not a real password")


@dataclass
class Throttle:
    """At most `attempts` failed sign-ins per key within `window` seconds."""

    attempts: int = 5
    window: float = 900.0
    failures: dict[str, deque[float]] = field(default_factory=dict)

    def blocked(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        recent = self.failures.get(key, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        return len(recent) >= self.attempts

    def failed(self, key: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.failures.setdefault(key, deque()).append(now)

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)


def authenticate(db: Database, login: str, password: str) -> User | None:
    """The active user with this username or e-mail and password, or None."""
    name = login.strip().lower()
    with db.session() as session:
        user = session.exec(
            select(User).where(or_(col(User.username) == name, col(User.email) == name))
        ).first()
    if user is None or not user.is_active or not user.password_hash:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    with db.write() as session:
        stored = session.get(User, user.id)
        assert stored is not None
        stored.last_login_at = clock.now(session)
        session.add(stored)
        record(session, actor_of(db, user), "user.signed_in", entity_type="user", entity_id=user.id)
        session.commit()
    return user


@dataclass(frozen=True)
class SessionUser:
    """Who a request belongs to: what every page needs, read in one light query."""

    id: int
    username: str
    display_name: str


def session_principal(
    db: Database, user_id: object, session_version: object
) -> tuple[SessionUser, Actor] | None:
    """The session's user and their actor (with roles), if the session is still valid.

    One Core query of plain columns (no ORM objects): it runs on every request.
    """
    if not isinstance(user_id, int) or not isinstance(session_version, int):
        return None
    with db.engine.connect() as connection:
        rows = connection.execute(_PRINCIPAL, {"user_id": user_id}).all()
    if not rows:
        return None
    username, display_name, institution_id, is_active, version, _ = rows[0]
    if not is_active or version != session_version:
        return None
    roles = frozenset(Role(row[5]) for row in rows if row[5] is not None)
    return (
        SessionUser(user_id, username, display_name),
        Actor(display_name, user_id, roles, institution_id),
    )


#: Built once: it runs on every request.
_PRINCIPAL = (
    core_select(
        col(User.username),
        col(User.display_name),
        col(User.institution_id),
        col(User.is_active),
        col(User.session_version),
        col(UserRole.role),
    )
    .outerjoin(UserRole, col(UserRole.user_id) == col(User.id))
    .where(col(User.id) == bindparam("user_id"))
)


def actor_of(db: Database, user: User) -> Actor:
    with db.session() as session:
        roles = session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all()
    return Actor(user.display_name, user.id, frozenset(Role(r) for r in roles), user.institution_id)
