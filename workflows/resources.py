"""Process-wide resources the flows share (one engine per database URL)."""

from __future__ import annotations

import threading

from qa.persistence.db import Database

_databases: dict[str, Database] = {}
_lock = threading.Lock()


def database(url: str) -> Database:
    with _lock:
        if url not in _databases:
            _databases[url] = Database(url)
        return _databases[url]


def dispose_all() -> None:
    with _lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()
