"""Personal API tokens: create (shown once), list, revoke, and the principal behind a token.

A token acts as its user, with the roles the user holds at the time of each call (a role
taken away is gone from the token at once); a deactivated user's tokens stop working. Only
the SHA-256 is stored. Every creation and revocation is audited; using a token is not (its
`last_used_at` is written at most once a minute, like a web session's "last seen").
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, update
from sqlalchemy import select as core_select
from sqlmodel import col, func, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.bounds import control_character, in_range
from qa.domain.enums import Role
from qa.domain.errors import InvalidInput, NotAllowed, NotFound
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import ApiToken, User, UserRole
from qa.services.people.account_settings import FieldErrors
from qa.services.people.web_sessions import TOUCH_EVERY, token_hash

#: Every token starts with this, so a leaked one is easy to recognise (and to scan for).
TOKEN_PREFIX = "qa_"  # noqa: S105 - not a secret
PREFIX_LENGTH = 10
MAX_NAME_LENGTH = 100
#: Live tokens per user: enough for every integration, few enough to review.
MAX_LIVE_TOKENS = 20


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class NewToken:
    """A token just created: `secret` is shown once and never stored."""

    view: TokenView
    secret: str


def _view(row: ApiToken) -> TokenView:
    assert row.id is not None
    return TokenView(row.id, row.name, row.prefix, row.created_at, row.last_used_at, row.revoked_at)


def _may_manage(actor: Actor, user_id: int) -> None:
    """A user manages their own tokens; an administrator (or the command line) anyone's."""
    if actor.user_id == user_id or Role.ADMIN in actor.roles:
        return
    raise NotAllowed("you can manage only your own API tokens")


def token_name(value: object) -> str:
    """The name a token is listed under, or `FieldErrors` naming the field `name`."""
    name = value.strip() if isinstance(value, str) else ""
    problem = None
    if not name:
        problem = "Give the token a name, e.g. the system that will use it."
    elif len(name) > MAX_NAME_LENGTH:
        problem = f"Use at most {MAX_NAME_LENGTH} characters."
    elif what := control_character(name):
        problem = f"The name contains {what}."
    if problem:
        raise FieldErrors("the token was not created", {"name": problem})
    return name


def user_id_of(db: Database, username: str) -> int:
    with db.session() as session:
        found = session.exec(select(User.id).where(col(User.username) == username)).first()
    if found is None:
        raise NotFound(f"there is no user {username!r}")
    return found


def create_token(db: Database, actor: Actor, user_id: int, name: object) -> NewToken:
    _may_manage(actor, user_id)
    clean = token_name(name)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"there is no user {user_id}")
        if not user.is_active:
            raise InvalidInput(f"{user.username} is deactivated; an API token would not work")
        live = session.exec(
            select(func.count())
            .select_from(ApiToken)
            .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
        ).one()
        if live >= MAX_LIVE_TOKENS:
            raise FieldErrors(
                "the token was not created",
                {"name": f"You have {MAX_LIVE_TOKENS} tokens; revoke one you no longer use."},
            )
        row = ApiToken(
            token_hash=token_hash(secret),
            prefix=secret[:PREFIX_LENGTH],
            name=clean,
            user_id=user_id,
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        record(
            session,
            actor,
            "api_token.created",
            entity_type="api_token",
            entity_id=row.id,
            after={"user_id": user_id, "name": clean, "prefix": row.prefix},
        )
        session.commit()
        session.refresh(row)
        return NewToken(_view(row), secret)


def list_tokens(db: Database, actor: Actor, user_id: int) -> list[TokenView]:
    """The user's tokens, newest first (revoked ones too: they explain past calls)."""
    _may_manage(actor, user_id)
    with db.session() as session:
        rows = session.exec(
            select(ApiToken)
            .where(col(ApiToken.user_id) == user_id)
            .order_by(col(ApiToken.id).desc())
        ).all()
        return [_view(row) for row in rows]


def revoke_token(db: Database, actor: Actor, token_id: int) -> TokenView:
    """Revoke a token at once (a second revocation changes nothing and is not audited)."""
    if not in_range(token_id):  # no row can have it (and SQLite cannot even be asked)
        raise NotFound(f"there is no API token {token_id}")
    with db.write() as session:
        row = session.get(ApiToken, token_id)
        if row is None:
            raise NotFound(f"there is no API token {token_id}")
        _may_manage(actor, row.user_id)
        if row.revoked_at is None:
            row.revoked_at = clock.now(session)
            session.add(row)
            record(
                session,
                actor,
                "api_token.revoked",
                entity_type="api_token",
                entity_id=token_id,
                after={"user_id": row.user_id, "name": row.name, "prefix": row.prefix},
            )
            session.commit()
            session.refresh(row)
        return _view(row)


def token_principal(db: Database, secret: str) -> Actor | None:
    """The actor a bearer token stands for, or None (unknown, revoked, user deactivated)."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    with db.engine.connect() as connection:
        rows = connection.execute(_PRINCIPAL, {"token_hash": token_hash(secret)}).all()
    if not rows:
        return None
    first = rows[0]
    if first.revoked_at is not None or not first.is_active:
        return None
    now = db.clock.now()
    if first.last_used_at is None or now - first.last_used_at >= TOUCH_EVERY:
        with db.engine.begin() as connection:
            connection.execute(_TOUCH, {"token_id": first.token_id, "now": now})
    roles = frozenset(Role(row.role) for row in rows if row.role is not None)
    return Actor(first.display_name, first.user_id, roles, first.institution_id)


_PRINCIPAL: Select[*tuple[Any, ...]] = (
    core_select(
        col(ApiToken.id).label("token_id"),
        col(ApiToken.revoked_at),
        col(ApiToken.last_used_at),
        col(User.id).label("user_id"),
        col(User.display_name),
        col(User.institution_id),
        col(User.is_active),
        col(UserRole.role),
    )
    .join(User, col(User.id) == col(ApiToken.user_id))
    .outerjoin(UserRole, col(UserRole.user_id) == col(User.id))
    .where(col(ApiToken.token_hash) == bindparam("token_hash"))
)
_TOUCH = (
    update(ApiToken)
    .where(col(ApiToken.id) == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)
