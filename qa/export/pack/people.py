"""Who appears in a pack: the people behind user ids, in pseudonym numbering order."""

from __future__ import annotations

from sqlalchemy import Subquery, func, select
from sqlmodel import Session, col

from qa.export.pack.pseudonyms import Person
from qa.export.pack.queries import up_to
from qa.persistence.models import Assignment, AuditEntry, User, UserRole

_KINDS = ("reviewer", "officer", "provider", "admin", "user")


def people(session: Session, p: Subquery, as_of: int | None = None) -> list[Person]:
    """Everyone who appears in the packed data, in pseudonym numbering order.

    Reviewers (anyone invited to review a packed submission) come first, by first invitation;
    everyone else by their first audited action on a packed submission.
    """
    submissions = select(p.c.submission_id).distinct()
    invited: dict[int, int] = dict(
        session.execute(
            select(col(Assignment.reviewer_id), func.min(Assignment.id))
            .where(col(Assignment.submission_id).in_(submissions))
            .group_by(col(Assignment.reviewer_id))
        ).all()
    )
    acted: dict[int, int] = {
        uid: first
        for uid, first in session.execute(
            select(col(AuditEntry.actor_id), func.min(AuditEntry.id))
            .where(
                col(AuditEntry.submission_id).in_(submissions),
                col(AuditEntry.actor_id).is_not(None),
                up_to(as_of),
            )
            .group_by(col(AuditEntry.actor_id))
        )
        if uid is not None
    }
    found = people_by_id(session, set(invited) | set(acted), reviewers=set(invited))

    def order(person: Person) -> tuple[int, int, int]:
        first = invited[person.user_id] if person.kind == "reviewer" else acted.get(person.user_id)
        return (_KINDS.index(person.kind), first if first is not None else 1 << 62, person.user_id)

    return sorted(found.values(), key=order)


def everyone(session: Session) -> list[Person]:
    """Every account the office has: their names are scrubbed even if not in the pack."""
    ids = {uid for (uid,) in session.execute(select(col(User.id))) if uid is not None}
    return sorted(people_by_id(session, ids).values(), key=lambda person: person.user_id)


def people_by_id(
    session: Session,
    ids: set[int],
    *,
    reviewers: frozenset[int] | set[int] = frozenset(),
) -> dict[int, Person]:
    if not ids:
        return {}
    roles: dict[int, set[str]] = {}
    for uid, role in session.execute(
        select(col(UserRole.user_id), col(UserRole.role)).where(col(UserRole.user_id).in_(ids))
    ):
        roles.setdefault(uid, set()).add(role)
    out: dict[int, Person] = {}
    for uid, display_name, username, email in session.execute(
        select(col(User.id), col(User.display_name), col(User.username), col(User.email)).where(
            col(User.id).in_(ids)
        )
    ):
        assert uid is not None
        held = roles.get(uid, set())
        kind = (
            "reviewer"
            if uid in reviewers
            else next((k for k in ("officer", "provider", "admin") if k in held), "user")
        )
        out[uid] = Person(uid, kind, display_name, username, email)
    return out


def roles_of(session: Session, ids: set[int]) -> dict[int, list[str]]:
    """Each user's roles, sorted."""
    roles: dict[int, list[str]] = {}
    if ids:
        for uid, role in session.execute(
            select(col(UserRole.user_id), col(UserRole.role))
            .where(col(UserRole.user_id).in_(ids))
            .order_by(col(UserRole.user_id), col(UserRole.role))
        ):
            roles.setdefault(uid, []).append(role)
    return roles
