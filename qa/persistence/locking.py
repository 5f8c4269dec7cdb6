"""Optimistic locking (compare-and-set on a `version` column) and, where a step reads
several rows to decide what to add, a row lock on the submission it decides for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from qa.domain.errors import Conflict
from qa.persistence.models import Submission


def update_versioned(
    session: Session,
    model: type[SQLModel],
    row_id: int,
    expected_version: int,
    values: dict[str, Any],
    *,
    what: str,
) -> int:
    """Apply `values` only if the row still has `expected_version`; return the new version.

    Raises `Conflict` when someone else changed the row first, so the user can reload
    instead of silently overwriting another person's work.
    """
    session.flush()  # pending ORM changes must reach the database before expire_all()
    table = model.__table__  # type: ignore[attr-defined]
    result = session.execute(
        update(table)
        .where(table.c.id == row_id, table.c.version == expected_version)
        .values(**values, version=expected_version + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"{what} was changed by someone else in the meantime; reload and try again.")
    # Expire just this row: the caller's other loaded objects stay valid (no reloads).
    loaded = session.identity_map.get(session.identity_key(model, (row_id,)))
    if loaded is not None:
        session.expire(loaded)
    return expected_version + 1


def lock_submissions(session: Session, submission_ids: Iterable[int]) -> list[Submission]:
    """Load and lock the submissions' rows until the transaction ends, in id order.

    For steps that read a file's panel and then add to it (routing filling a panel, an
    officer applying an assignment round): a second such step on the same file waits, then
    reads what the first committed, so a panel is never filled twice. On PostgreSQL this is
    `SELECT … FOR NO KEY UPDATE`, which still lets web requests insert rows that merely
    refer to the file (scores, outbox messages); the id order keeps two workers with
    overlapping batches from deadlocking. SQLite needs nothing: a write transaction
    (`Database.write`) already holds the database. The rows are refreshed from the database.
    """
    query = (
        select(Submission)
        .where(col(Submission.id).in_(sorted(set(submission_ids))))
        .order_by(col(Submission.id))
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(key_share=True)
    return list(session.exec(query))
