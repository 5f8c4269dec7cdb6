"""Process-wide resources the flows share (one engine per database URL)."""

from __future__ import annotations

import functools
import threading

from qa.config import Settings
from qa.persistence.db import Database

_databases: dict[str, Database] = {}
_lock = threading.Lock()


def database(url: str) -> Database:
    with _lock:
        if url not in _databases:
            _databases[url] = Database(url)
        return _databases[url]


@functools.cache
def settings_from_environment() -> Settings:
    """The settings of the process running a flow (`QA_*` variables), read once.

    A deployment run by a worker of the pool gets no arguments: its database, time zone and
    policies are those of the worker's environment, the same variables as `qa serve`.
    """
    return Settings.from_env()
