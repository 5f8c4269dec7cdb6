"""Before `qa serve` and `qa worker` start: the database must exist and be migrated.

Without this check a mistyped `QA_DATA_DIR` (or a fresh checkout) would start the product
on a new, empty SQLite file with a new session key, and people would find nothing there.
"""

from __future__ import annotations

from pathlib import Path

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.migrate import current_revision, head_revision

EXIT_NOT_READY = 5
SET_UP = "run `qa init` (or `qa demo` for a demonstration) first"


def database_problem(config: Settings) -> str | None:
    """Why the product cannot start on this database, or None when it can."""
    url = make_url(config.database_url)
    shown = url.render_as_string(hide_password=True)
    file = url.database if url.get_backend_name() == "sqlite" else None
    if file and file != ":memory:" and not Path(file).is_file():
        return f"there is no database at {file}: {SET_UP}"
    db = Database(config.database_url, clock=config.clock())
    try:
        current, head = current_revision(db), head_revision(db)
    except OperationalError as exc:
        return f"the database {shown} cannot be used: {str(exc.orig).strip()}"
    finally:
        db.dispose()
    if current is None:
        return f"the database {shown} is not set up: {SET_UP}"
    if current != head:
        return (
            f"the database {shown} has schema {current}, this version needs {head}: "
            "run `qa init` to upgrade it"
        )
    return None


def require_ready_database(config: Settings) -> None:
    """Exit with one clear line when `database_problem` finds one."""
    if (problem := database_problem(config)) is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(EXIT_NOT_READY)
