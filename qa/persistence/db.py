"""Engines and sessions.

SQLite gets the PRAGMAs of ARCHITECTURE.md on every connection (WAL, synchronous=NORMAL,
busy_timeout, foreign_keys) and write transactions start with ``BEGIN IMMEDIATE`` so two
writers queue on the lock instead of failing half-way. An existing SQLite file is never
re-created when it vanishes (see `_never_recreated`). PostgreSQL uses ordinary
READ COMMITTED transactions; conflicting updates are caught by version checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlmodel import Session, create_engine

from qa.domain.clock import Clock, SystemClock
from qa.persistence.clock import CLOCK_KEY

SQLITE_BUSY_TIMEOUT_MS = 10_000


class Database:
    """The application database: one engine, sessions for reading and for writing.

    It also carries the product's clock (`qa.domain.clock`): every session it opens knows
    it, so a service, an audit entry and a row's timestamps read the same "now".
    """

    def __init__(self, url: str, *, echo: bool = False, clock: Clock | None = None) -> None:
        self.url: URL = make_url(url)
        self.clock: Clock = clock or SystemClock()
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            _ensure_sqlite_folder(self.url)
            self.engine = create_engine(
                _never_recreated(self.url),
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            _install_sqlite_pragmas(self.engine)
        else:
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session for reads, or for writes that the caller commits itself."""
        with Session(self.engine, expire_on_commit=False, info={CLOCK_KEY: self.clock}) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction takes the write lock up front (SQLite).

        The caller commits; leaving the block without commit rolls everything back.
        """
        with Session(self.engine, expire_on_commit=False, info={CLOCK_KEY: self.clock}) as session:
            if self.is_sqlite:
                session.connection(execution_options={"qa_write": True})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _ensure_sqlite_folder(url: URL) -> None:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _never_recreated(url: URL) -> URL:
    """An existing SQLite file is opened read-write only (`mode=rw`), never created.

    Otherwise a file moved away or a data folder unmounted while the product runs would be
    replaced, on the next connection, by a new empty database: requests would fail with
    "no such table" instead of "cannot be reached", and putting the real file back would
    collide with the empty one. A file that does not exist yet (`qa init`) is created.
    """
    if not url.database or url.database == ":memory:" or url.query.get("uri"):
        return url
    path = Path(url.database)
    if not path.is_file():
        return url
    query = {**url.query, "mode": "rw", "uri": "true"}
    return url.set(database=path.resolve().as_uri(), query=query)


def _install_sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (pysqlite quirk)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("qa_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# Registering the tables and their guards is a side effect of using the database at all.
import qa.persistence.guards  # noqa: E402, F401
