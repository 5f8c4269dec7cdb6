"""What every command needs: settings, the database, who is acting, the clock."""

from __future__ import annotations

import getpass
from datetime import date

from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.db import Database


def settings() -> Settings:
    return Settings.from_env()


def database() -> Database:
    current = settings()
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
