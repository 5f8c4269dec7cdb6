"""User accounts and roles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import Conflict, InvalidInput
from qa.domain.reviewer_choice import PANEL_ROLES
from qa.domain.rules_issuer import field_of_study
from qa.domain.value_checks import Checker
from qa.persistence.db import Database
from qa.persistence.models import Institution, User, UserRole
from qa.services.people.passwords import MIN_LENGTH, generate_password, hash_password

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}\Z")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@dataclass(frozen=True)
class NewUser:
    user: User
    roles: tuple[Role, ...]
    #: Set when the password was generated: shown once, never stored in clear.
    generated_password: str | None


def add_user(
    db: Database,
    actor: Actor,
    *,
    username: str,
    email: str,
    display_name: str,
    roles: list[str],
    institution_code: str | None = None,
    password: str | None = None,
    expertise: list[str] | None = None,
    panel_role: str | None = None,
) -> NewUser:
    parsed_roles, problems = _check(username, email, display_name, roles, password)
    expertise = [code.strip() for code in expertise or [] if code.strip()]
    problems += _reviewer_profile_problems(expertise, panel_role)
    if Role.PROVIDER in parsed_roles and not institution_code:
        problems.append("a provider account must belong to an institution (give its code)")
    if problems:
        raise InvalidInput("the user cannot be added", tuple(problems))
    generated = None if password else generate_password()
    with db.write() as session:
        institution_id = _institution_id(session, institution_code)
        _ensure_unique(session, username, email)
        user = User(
            username=username,
            email=email.lower(),
            display_name=display_name.strip(),
            password_hash=hash_password(password or generated or ""),
            institution_id=institution_id,
            expertise=list(dict.fromkeys(expertise)),
            panel_role=panel_role or None,
        )
        session.add(user)
        session.flush()
        assert user.id is not None
        for role in parsed_roles:
            session.add(UserRole(user_id=user.id, role=role.value))
        after = user.model_dump(mode="json", exclude={"password_hash"})
        record(
            session,
            actor,
            "user.added",
            entity_type="user",
            entity_id=user.id,
            after=after | {"roles": [r.value for r in parsed_roles]},
        )
        session.commit()
    return NewUser(user, parsed_roles, generated)


def roles_of(db: Database, user_id: int) -> tuple[Role, ...]:
    with db.session() as session:
        rows = session.exec(select(UserRole.role).where(UserRole.user_id == user_id))
        return tuple(Role(role) for role in rows)


def users_with_role(db: Database, role: Role) -> list[User]:
    with db.session() as session:
        query = (
            select(User)
            .join(UserRole, col(UserRole.user_id) == col(User.id))
            .where(UserRole.role == role.value)
            .order_by(User.username)
        )
        return list(session.exec(query))


def _check(
    username: str, email: str, display_name: str, roles: list[str], password: str | None
) -> tuple[tuple[Role, ...], list[str]]:
    problems = []
    if not _USERNAME.match(username):
        problems.append(
            f"username {username!r}: use 2-64 lower-case letters, digits, '.', '-' or '_'"
        )
    if not _EMAIL.match(email) or len(email) > 254:
        problems.append(f"e-mail {email!r} is not an e-mail address")
    if not display_name.strip() or len(display_name) > 200:
        problems.append("name: give the person's name (1-200 characters)")
    elif not display_name.isprintable():
        problems.append("name: one line of plain text (no line breaks or control characters)")
    if password is not None and len(password) < MIN_LENGTH:
        problems.append(f"password: at least {MIN_LENGTH} characters")
    parsed: list[Role] = []
    for role in roles or []:
        try:
            parsed.append(Role(role.strip().lower()))
        except ValueError:
            problems.append(f"role {role!r} is not one of {', '.join(r.value for r in Role)}")
    if not roles:
        problems.append(f"give at least one role ({', '.join(r.value for r in Role)})")
    return tuple(dict.fromkeys(parsed)), problems


def _reviewer_profile_problems(expertise: list[str], panel_role: str | None) -> list[str]:
    """What the officer panel ranks reviewers by: ISCED-F expertise codes and a panel seat."""
    problems = []
    checker = Checker()
    bad = [code for code in expertise if field_of_study(checker, code) is None]
    if bad:
        problems.append(
            f"expertise {', '.join(repr(code) for code in bad)}: not ISCED-F 2013 codes "
            "(2 to 4 digits, e.g. 06 or 0613)"
        )
    if panel_role and panel_role not in PANEL_ROLES:
        problems.append(f"panel role {panel_role!r} is not one of {', '.join(PANEL_ROLES)}")
    return problems


def _institution_id(session: Session, code: str | None) -> int | None:
    if not code:
        return None
    found = session.exec(select(Institution).where(Institution.code == code)).first()
    if found is None:
        raise InvalidInput(f"no institution with code {code!r}")
    return found.id


def _ensure_unique(session: Session, username: str, email: str) -> None:
    if session.exec(select(User).where(User.username == username)).first():
        raise Conflict(f"the username {username!r} is taken")
    if session.exec(select(User).where(User.email == email.lower())).first():
        raise Conflict(f"a user with e-mail {email.lower()!r} already exists")
