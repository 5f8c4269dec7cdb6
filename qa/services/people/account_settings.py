"""A signed-in person's own account: what is on file, password change, signing out everywhere.

Passwords are checked by one rule set (`password_problems`), shared with sign-in links.
Every change bumps the user's `session_version`, which ends every session holding the old
one; a password change keeps the caller's own session (`keep_session`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput, NotFound
from qa.persistence.db import Database
from qa.persistence.models import Institution, User, UserRole
from qa.services.people.passwords import hash_password, verify_password
from qa.services.people.web_sessions import carry_over

#: Longer than the command line's minimum: people choose these themselves.
MIN_PASSWORD_LENGTH = 12


class FieldErrors(InvalidInput):
    """Input problems keyed by form field, so a form can show each next to its input."""

    def __init__(self, message: str, fields: dict[str, str]) -> None:
        super().__init__(message, tuple(fields.values()))
        self.fields = fields


@dataclass(frozen=True)
class AccountView:
    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    institution: str | None
    last_login_at: datetime | None
    created_at: datetime


def password_problems(user: User, password: str, confirm: str) -> dict[str, str]:
    """What is wrong with a new password, keyed `password` and `confirm` (empty when fine)."""
    problems: dict[str, str] = {}
    lowered = password.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        problems["password"] = f"Use at least {MIN_PASSWORD_LENGTH} characters."
    elif lowered in {user.username.lower(), user.email.lower()}:
        problems["password"] = "Do not use your user name or e-mail address as your password."  # noqa: S105
    if "password" not in problems and password != confirm:
        problems["confirm"] = "The two passwords are not the same."
    return problems


def set_password(session: Session, user: User, password: str) -> None:
    """Store a new password hash and end every session of the user (the caller commits)."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    session.add(user)


def account_view(db: Database, actor: Actor) -> AccountView:
    with db.session() as session:
        user = _own_user(session, actor)
        roles = session.exec(select(UserRole.role).where(UserRole.user_id == user.id)).all()
        institution = session.get(Institution, user.institution_id) if user.institution_id else None
    return AccountView(
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        roles=tuple(sorted(roles)),
        institution=institution.name if institution else None,
        last_login_at=user.last_login_at,
        created_at=user.created_at,
    )


def change_password(
    db: Database,
    actor: Actor,
    *,
    current: str,
    new: str,
    confirm: str,
    keep_session: str | None = None,
) -> int:
    """Change the actor's own password; returns the new session version.

    Every session of the actor ends except `keep_session` (the id of the one asking).
    """
    with db.write() as session:
        user = _own_user(session, actor)
        problems = password_problems(user, new, confirm)
        if not (user.password_hash and verify_password(user.password_hash, current)):
            problems = {"current": "This is not your current password."} | problems
        if problems:
            raise FieldErrors("the password was not changed", problems)
        set_password(session, user, new)
        carry_over(session, keep_session, user.session_version)
        record(session, actor, "user.password_changed", entity_type="user", entity_id=user.id)
        session.commit()
        return user.session_version


def end_all_sessions(db: Database, actor: Actor) -> None:
    """Sign the actor out on every device, this one included."""
    with db.write() as session:
        user = _own_user(session, actor)
        before = user.session_version
        user.session_version += 1
        session.add(user)
        record(
            session,
            actor,
            "user.signed_out_everywhere",
            entity_type="user",
            entity_id=user.id,
            before={"session_version": before},
            after={"session_version": user.session_version},
        )
        session.commit()


def _own_user(session: Session, actor: Actor) -> User:
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound("this account no longer exists")
    return user
