"""Is this process fit to serve? The database answers and carries this version's schema."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from qa.persistence.db import Database
from qa.persistence.migrate import current_revision, head_revision


def schema_problem(db: Database) -> str | None:
    """None when healthy, else the reason in words (for a 503 and the operator's logs)."""
    try:
        current = current_revision(db)
    except OperationalError as exc:
        return f"the database cannot be reached: {str(exc.orig).strip().splitlines()[0]}"
    if current is None:
        return "the database is not set up: run `qa init`"
    if current != (head := head_revision(db)):
        return f"the database has schema {current}, this version needs {head}"
    return None
