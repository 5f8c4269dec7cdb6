"""A consistent copy of a live SQLite database, with SQLite's online backup API.

`sqlite3.Connection.backup` copies the pages inside one read transaction when it copies
them all in one step: in WAL mode writers go on meanwhile, and the copy is the database as
of one commit (never half a transaction). The copy is then a plain one-file database
(`journal_mode=DELETE`), checked with `PRAGMA integrity_check`, and counted, so a backup
carries the row counts of its own snapshot.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from qa.domain.errors import InvalidInput
from qa.persistence.db import SQLITE_BUSY_TIMEOUT_MS


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for any other database (or `:memory:`)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def copy_live(source: Path, target: Path) -> None:
    """Copy the database at `source` (in use or not) into the new file `target`."""
    if not source.is_file():
        raise InvalidInput(f"there is no database at {source}")
    with (
        closing(sqlite3.connect(source, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as live,
        closing(sqlite3.connect(target)) as copy,
    ):
        live.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        live.backup(copy)  # pages=-1: every page in one step, one read transaction
        copy.execute("PRAGMA journal_mode=DELETE")
        check_integrity(copy, target)


def check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    verdict = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if verdict != ["ok"]:
        raise InvalidInput(f"the database copy {path.name} is damaged", tuple(verdict[:5]))


def row_counts(path: Path) -> dict[str, int]:
    """Rows per table of a SQLite file (opened read-only), in table-name order."""
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        check_integrity(db, path)
        names = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return {
            name: int(db.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])  # noqa: S608 - names from sqlite_master
            for name in names
        }
