"""Administrators manage people: list and search, add with a sign-in link, edit, deactivate.

Form problems come back as `FieldErrors` keyed by field name (`username`, `email`,
`display_name`, `roles`, `institution`, `expertise`, `panel_role`) so the page can show
each next to its input. Every change is audited with the values before and after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, or_, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import Conflict, NotAllowed, NotFound
from qa.domain.policy import require_admin
from qa.domain.reviewer_choice import PANEL_ROLES
from qa.domain.rules_issuer import field_of_study
from qa.domain.value_checks import Checker
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import AccessToken, Institution, User, UserRole
from qa.services.people.account_settings import FieldErrors
from qa.services.people.invitations import IssuedLink, issue_link, revoke_links
from qa.services.people.users import add_user

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,63}\Z")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
LIST_LIMIT = 500


@dataclass(frozen=True)
class UserForm:
    """What the add and edit forms send (the user name only when adding)."""

    email: str
    display_name: str
    roles: tuple[str, ...]
    institution: str = ""  # institution code, "" for none
    expertise: tuple[str, ...] = ()
    panel_role: str = ""
    username: str = ""


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    institution: str | None
    is_active: bool
    last_login_at: datetime | None


@dataclass(frozen=True)
class OpenLink:
    purpose: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class UserDetail:
    row: UserRow
    form: UserForm
    is_self: bool
    open_links: list[OpenLink] = field(default_factory=list)


@dataclass(frozen=True)
class Choices:
    roles: tuple[str, ...]
    institutions: list[tuple[str, str]]  # (code, "name (kind)")
    panel_roles: tuple[str, ...]


def choices(db: Database, actor: Actor) -> Choices:
    """The options of the add and edit forms."""
    require_admin(actor)
    with db.session() as session:
        rows = session.exec(select(Institution).order_by(Institution.name)).all()
    return Choices(
        tuple(role.value for role in Role),
        [(i.code, f"{i.name} ({i.kind})") for i in rows],
        PANEL_ROLES,
    )


def list_users(
    db: Database, actor: Actor, search: str = "", role: str | None = None
) -> list[UserRow]:
    require_admin(actor)
    query = select(User).order_by(User.username).limit(LIST_LIMIT)
    if role in {r.value for r in Role}:
        holders = select(UserRole.user_id).where(UserRole.role == role)
        query = query.where(col(User.id).in_(holders))
    if term := search.strip().lower():
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(term, autoescape=True)
                    for column in (col(User.username), col(User.display_name), col(User.email))
                )
            )
        )
    with db.session() as session:
        users = session.exec(query).all()
        return _rows(session, list(users))


def user_detail(db: Database, actor: Actor, user_id: int) -> UserDetail:
    require_admin(actor)
    with db.session() as session:
        user = _user(session, user_id)
        (row,) = _rows(session, [user])
        links = session.exec(
            select(AccessToken)
            .where(
                AccessToken.user_id == user_id,
                col(AccessToken.used_at).is_(None),
                col(AccessToken.revoked_at).is_(None),
                col(AccessToken.expires_at) > clock.now(session),
            )
            .order_by(col(AccessToken.id))
        ).all()
        code = _institution_code(session, user.institution_id)
    form = UserForm(
        email=user.email,
        display_name=user.display_name,
        roles=row.roles,
        institution=code,
        expertise=tuple(user.expertise),
        panel_role=user.panel_role or "",
        username=user.username,
    )
    opened = [OpenLink(link.purpose, link.created_at, link.expires_at) for link in links]
    return UserDetail(row, form, user_id == actor.user_id, opened)


def create_user(db: Database, actor: Actor, form: UserForm) -> IssuedLink:
    """Add a person and issue their invitation link (shown once to the administrator)."""
    require_admin(actor)
    with db.session() as session:
        problems = _problems(session, form, user_id=None)
    if problems:
        raise FieldErrors("the user was not added", problems)
    try:
        new = add_user(
            db,
            actor,
            username=form.username.strip().lower(),
            email=form.email.strip(),
            display_name=form.display_name,
            roles=list(form.roles),
            institution_code=form.institution or None,
            expertise=list(form.expertise),
            panel_role=form.panel_role or None,
        )
    except (Conflict, IntegrityError) as clash:  # someone took the name a moment ago
        raise FieldErrors(
            "the user was not added", {"username": "This user name or e-mail is taken."}
        ) from clash
    assert new.user.id is not None
    return issue_link(db, actor, new.user.id)


def update_user(db: Database, actor: Actor, user_id: int, form: UserForm) -> None:
    require_admin(actor)
    with db.write() as session:
        user = _user(session, user_id)
        problems = _problems(session, form, user_id=user_id)
        if user_id == actor.user_id and Role.ADMIN.value not in form.roles:
            problems.setdefault("roles", "You cannot remove your own administrator role.")
        if problems:
            raise FieldErrors("the changes were not saved", problems)
        before = _snapshot(session, user)
        held = {
            r.role: r for r in session.exec(select(UserRole).where(UserRole.user_id == user_id))
        }
        wanted = set(form.roles)
        institution_id = _institution_id(session, form.institution)
        user.email = form.email.strip().lower()
        user.display_name = form.display_name.strip()
        user.institution_id = institution_id
        user.expertise = list(dict.fromkeys(form.expertise))
        user.panel_role = form.panel_role or None
        session.add(user)
        for role, row in held.items():
            if role not in wanted:
                session.delete(row)
        for role in sorted(wanted - held.keys()):
            session.add(UserRole(user_id=user_id, role=role))
        after = _snapshot(session, user, roles=sorted(wanted), institution=form.institution)
        if after != before:
            record(
                session,
                actor,
                "user.updated",
                entity_type="user",
                entity_id=user_id,
                before=before,
                after=after,
            )
        try:
            session.commit()
        except IntegrityError as clash:
            raise FieldErrors(
                "the changes were not saved", {"email": "Another user has this e-mail address."}
            ) from clash


def set_active(db: Database, actor: Actor, user_id: int, *, active: bool) -> None:
    """Deactivating ends the person's sessions and withdraws their unused sign-in links."""
    require_admin(actor)
    if user_id == actor.user_id and not active:
        raise NotAllowed("you cannot deactivate your own account")
    with db.write() as session:
        user = _user(session, user_id)
        if user.is_active == active:
            return
        user.is_active = active
        revoked: list[int] = []
        if not active:
            user.session_version += 1
            revoked = revoke_links(session, user_id)
        session.add(user)
        record(
            session,
            actor,
            "user.reactivated" if active else "user.deactivated",
            entity_type="user",
            entity_id=user_id,
            before={"is_active": not active},
            after={"is_active": active} | ({"revoked_link_ids": revoked} if revoked else {}),
        )
        session.commit()


def _problems(session: Session, form: UserForm, *, user_id: int | None) -> dict[str, str]:
    problems: dict[str, str] = {}
    email = form.email.strip().lower()
    if user_id is None:
        username = form.username.strip().lower()
        if not _USERNAME.match(username):
            problems["username"] = "Use 2 to 64 lower-case letters, digits, '.', '-' or '_'."
        elif session.exec(select(User.id).where(User.username == username)).first():
            problems["username"] = "This user name is taken."
    if not _EMAIL.match(email) or len(email) > 254:
        problems["email"] = "Give an e-mail address, like name@example.org."
    else:
        clash = select(User.id).where(User.email == email)
        if user_id is not None:
            clash = clash.where(User.id != user_id)
        if session.exec(clash).first():
            problems["email"] = "Another user has this e-mail address."
    if not form.display_name.strip() or len(form.display_name) > 200:
        problems["display_name"] = "Give the person's name (1 to 200 characters)."
    known = {role.value for role in Role}
    if not form.roles or not set(form.roles) <= known:
        problems["roles"] = "Choose at least one role."
    if form.institution and _institution_id(session, form.institution) is None:
        problems["institution"] = "Choose an institution from the list."
    elif Role.PROVIDER.value in form.roles and not form.institution:
        problems["institution"] = "A provider account belongs to an institution: choose it."
    checker = Checker()
    bad = [code for code in form.expertise if field_of_study(checker, code) is None]
    if bad:
        problems["expertise"] = (
            f"Not ISCED-F 2013 codes: {', '.join(bad)} (2 to 4 digits, e.g. 06 or 0613)."
        )
    if form.panel_role and form.panel_role not in PANEL_ROLES:
        problems["panel_role"] = "Choose a panel role from the list."
    return problems


def _rows(session: Session, users: list[User]) -> list[UserRow]:
    ids = [u.id for u in users if u.id is not None]
    roles: dict[int, list[str]] = {}
    for user_id, role in session.exec(
        select(UserRole.user_id, UserRole.role).where(col(UserRole.user_id).in_(ids))
    ):
        roles.setdefault(user_id, []).append(role)
    names = dict(session.exec(select(Institution.id, Institution.name)).all())
    return [
        UserRow(
            id=u.id or 0,
            username=u.username,
            display_name=u.display_name,
            email=u.email,
            roles=tuple(sorted(roles.get(u.id or 0, []))),
            institution=names.get(u.institution_id) if u.institution_id else None,
            is_active=u.is_active,
            last_login_at=u.last_login_at,
        )
        for u in users
    ]


def _snapshot(
    session: Session,
    user: User,
    *,
    roles: list[str] | None = None,
    institution: str | None = None,
) -> dict[str, Any]:
    """The audited fields; pass `roles` and `institution` to avoid queries (and autoflush)."""
    if roles is None:
        roles = sorted(session.exec(select(UserRole.role).where(UserRole.user_id == user.id)))
    if institution is None:
        institution = _institution_code(session, user.institution_id)
    return {
        "email": user.email,
        "display_name": user.display_name,
        "institution": institution or None,
        "expertise": list(user.expertise),
        "panel_role": user.panel_role,
        "roles": roles,
    }


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"there is no user {user_id}")
    return user


def _institution_id(session: Session, code: str) -> int | None:
    if not code:
        return None
    return session.exec(select(Institution.id).where(Institution.code == code)).first()


def _institution_code(session: Session, institution_id: int | None) -> str:
    if institution_id is None:
        return ""
    return (
        session.exec(select(Institution.code).where(Institution.id == institution_id)).first() or ""
    )
