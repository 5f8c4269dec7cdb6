"""What every command needs: settings, the database, who is acting, today's date."""

from __future__ import annotations

import getpass
from datetime import UTC, date, datetime

from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.db import Database


def settings() -> Settings:
    return Settings.from_env()


def database() -> Database:
    return Database(settings().database_url)


def operator() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "operator"
    return Actor.cli(who)


def today() -> date:
    return datetime.now(UTC).date()
