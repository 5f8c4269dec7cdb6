"""Signing in: throttling, the password check and a new server-side session.

Three steps, so that the web layer can run the argon2 check in a small pool of its own
threads and the database steps in the ordinary one (never on the event loop):
`begin_sign_in` (resolve the login to its account, record the attempt or refuse it),
`password_matches` (CPU only), `finish_sign_in` (forget the account's failures, audit,
start the session).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, or_, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import NotFound
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import User, UserRole
from qa.services.people.passwords import hash_password, verify_password
from qa.services.people.sign_in_throttle import ThrottleLimits, attempt_succeeded, begin_attempt
from qa.services.people.web_sessions import SessionPolicy, start_session

#: A password hash to verify against when the user does not exist, so the answer takes as
#: long for unknown names as for wrong passwords.
_DUMMY_HASH = hash_password("not a real password")
#: Longer logins are no account's (user names are at most 64 characters, e-mails 254).
MAX_LOGIN = 254


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt that passed the throttle and awaits its password check."""

    account: str
    user_id: int | None
    password_hash: str | None


def begin_sign_in(db: Database, login: str, source: str, limits: ThrottleLimits) -> Attempt | None:
    """The attempt to check, or None when the account or the address has failed too often.

    The user name and the e-mail address of an account count as one account.
    """
    # PostgreSQL refuses NUL in text: no account has one, so it cannot match anything
    name = login.strip().lower()[:MAX_LOGIN].replace("\x00", "\ufffd")
    with db.session() as session:
        user = session.exec(
            select(User).where(or_(col(User.username) == name, col(User.email) == name))
        ).first()
    account = f"user:{user.id}" if user is not None else f"name:{name}"
    if begin_attempt(db, account, source, limits) is None:
        return None
    usable = user is not None and user.is_active and user.password_hash
    return Attempt(
        account=account,
        user_id=user.id if user is not None and usable else None,
        password_hash=user.password_hash if user is not None and usable else None,
    )


def password_matches(attempt: Attempt, password: str) -> bool:
    """The argon2 check (CPU and memory heavy); as slow for unknown accounts as for known."""
    if attempt.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(attempt.password_hash, password)


def finish_sign_in(db: Database, attempt: Attempt, policy: SessionPolicy) -> str:
    """After a good password: forget the account's failures and open a session (its id)."""
    assert attempt.user_id is not None
    attempt_succeeded(db, attempt.account)
    return open_session(db, attempt.user_id, policy)


def open_session(db: Database, user_id: int, policy: SessionPolicy) -> str:
    """Sign the user in (a new server-side session, audited); returns the cookie's id."""
    with db.write() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise NotFound("this account cannot sign in")
        user.last_login_at = clock.now(session)
        session.add(user)
        token = start_session(session, user, policy)
        record(session, actor_of(db, user), "user.signed_in", entity_type="user", entity_id=user.id)
        session.commit()
    return token


def actor_of(db: Database, user: User) -> Actor:
    with db.session() as session:
        roles = session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all()
    return Actor(user.display_name, user.id, frozenset(Role(r) for r in roles), user.institution_id)
