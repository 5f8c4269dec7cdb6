"""First start: schema, bundled rubric, and an administrator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade
from qa.persistence.models import UserRole
from qa.services.people.users import NewUser, add_user
from qa.services.rubrics.rubrics import StoredRubric, load_rubrics_from


@dataclass(frozen=True)
class InitResult:
    rubrics: list[StoredRubric]
    admin: NewUser | None  # None when an administrator already existed


def initialise(
    db: Database,
    actor: Actor,
    rubrics_dir: Path,
    *,
    admin_username: str = "admin",
    admin_email: str = "admin@example.org",
) -> InitResult:
    """Idempotent: upgrades the schema, stores new rubric versions, creates the first admin."""
    upgrade(db)
    stored = load_rubrics_from(db, actor, rubrics_dir)
    admin = None
    if not has_admin(db):
        admin = add_user(
            db,
            actor,
            username=admin_username,
            email=admin_email,
            display_name="Administrator",
            roles=[Role.ADMIN.value],
        )
    return InitResult(stored, admin)


def has_admin(db: Database) -> bool:
    with db.session() as session:
        query = select(col(UserRole.id)).where(UserRole.role == Role.ADMIN.value).limit(1)
        return session.exec(query).first() is not None
