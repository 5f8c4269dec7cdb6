"""Messages to people, queued in the same transaction as the change that causes them.

A notification's `key` is unique, so queueing the same message twice (a re-run of routing or
of the deadlines flow) is a no-op. Delivery (SMTP or the outbox log) happens after commit.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from qa.domain.enums import Role
from qa.persistence import clock
from qa.persistence.models import Notification, User, UserRole


def notify(
    session: Session,
    key: str,
    recipient: User,
    subject: str,
    body: str,
    *,
    submission_id: int | None = None,
) -> bool:
    """Queue one message; False when a message with this key already exists.

    One INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL), so a concurrent or repeated
    run can never queue the same message twice.
    """
    dialect = session.get_bind().dialect.name
    insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
    statement = (
        insert(Notification)
        .values(
            key=key,
            recipient_id=recipient.id,
            recipient_email=recipient.email,
            subject=subject[:255],
            body=body,
            submission_id=submission_id,
            created_at=clock.now(session),
            channel="log",
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(col(Notification.id))
    )
    return session.execute(statement).first() is not None


def people_with_role(session: Session, role: Role, institution_id: int | None = None) -> list[User]:
    query = (
        select(User)
        .join(UserRole, col(UserRole.user_id) == col(User.id))
        .where(UserRole.role == role.value, col(User.is_active))
        .order_by(col(User.id))
    )
    if institution_id is not None:
        query = query.where(User.institution_id == institution_id)
    return list(session.exec(query))
