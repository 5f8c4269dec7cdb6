"""A database that cannot be written or reached: 503 pages, and `/health` says why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from starlette.testclient import TestClient

from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.models import User
from qa.web.app import create_app
from tests.web.conftest import WebUser
from tests.world import World

Web = Callable[[str], WebUser]


@contextmanager
def read_only(db: Database) -> Iterator[None]:
    """Every new connection refuses writes (as a full disk or a read-only replica would)."""
    statement = "PRAGMA query_only=ON" if db.is_sqlite else "SET default_transaction_read_only=on"

    def refuse_writes(connection: Any, _record: Any) -> None:
        if not db.is_sqlite:
            connection.autocommit = True  # a SET inside the pool's rolled-back transaction
        cursor = connection.cursor()  # would be undone
        cursor.execute(statement)
        cursor.close()
        if not db.is_sqlite:
            connection.autocommit = False

    event.listen(db.engine, "connect", refuse_writes)
    db.engine.dispose()
    try:
        yield
    finally:
        event.remove(db.engine, "connect", refuse_writes)
        db.engine.dispose()


def test_a_database_that_cannot_be_written_is_a_503_page_and_nothing_changes(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    invitation = world.panel_member(submission_id, "subject_expert")
    with world.db.session() as session:
        reviewer = web(session.get_one(User, invitation.reviewer_id).username)
    path = f"/reviews/{invitation.id}/answer"
    form = {"decline": "1", "version": str(invitation.version), "reason": "Busy"}
    with read_only(world.db):
        page = reviewer.post(path, form)
        assert page.status_code == 503, page.text[-400:]
        assert "cannot be written to right now, so nothing was saved" in page.text
        assert "<html" in page.text and page.headers["Retry-After"] == "30"
        fragment = reviewer.post(path, form, htmx=True)
        assert fragment.status_code == 503 and "<html" not in fragment.text
        assert "nothing was saved" in fragment.text
        assert fragment.headers["HX-Retarget"] == "#messages"
        assert reviewer.get(f"/reviews/{invitation.id}").status_code == 200  # reading works
    assert world.assignment(invitation.id or 0).state == "invited"
    assert reviewer.post(path, form).status_code == 303  # and writing again afterwards


def test_health_checks_the_database(world: World, tmp_path: Path) -> None:
    def health(db: Database) -> tuple[int, str]:
        app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=db)
        with TestClient(app) as client:
            response = client.get("/health")
        return response.status_code, response.text

    assert health(world.db) == (200, "ok")
    empty = Database(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert health(empty) == (503, "unavailable: the database is not set up: run `qa init`")
    gone = Database("postgresql+psycopg://qa@127.0.0.1:9/qa?connect_timeout=2")
    status, text = health(gone)
    assert status == 503 and text.startswith("unavailable: the database cannot be reached:")
    for db in (empty, gone):
        db.dispose()
