"""What every command needs: settings, the database, who is acting, the clock."""

from __future__ import annotations

import getpass
from datetime import date

from qa.config import Settings
from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput
from qa.persistence.db import Database
from qa.persistence.snapshot import sqlite_file


def settings() -> Settings:
    return Settings.from_env()


def database(*, create: bool = False) -> Database:
    """The configured database. Only `create` (init, demo, db upgrade) makes a new SQLite file:
    elsewhere a missing one is an error, not a new empty office (a mistyped QA_DATA_DIR, a
    data folder moved or unmounted)."""
    current = settings()
    file = sqlite_file(current.database_url)
    blocked = file is not None and file.parent.exists() and not file.parent.is_dir()
    if not create and file is not None and not file.is_file() and not blocked:
        raise InvalidInput(
            f"there is no database at {file}: check QA_DATA_DIR (or QA_DATABASE_URL); for a "
            "new office run `qa init` first"
        )
    return Database(current.database_url, clock=current.clock())


def operator() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "operator"
    return Actor.cli(who)


def today() -> date:
    """Today in the office's calendar, by the product's clock."""
    return settings().clock().today()
