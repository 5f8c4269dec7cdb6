"""Optimistic locking: compare-and-set on a `version` column."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel

from qa.domain.errors import Conflict


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
