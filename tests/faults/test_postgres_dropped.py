"""PostgreSQL connections dropped under load (`pg_terminate_backend`).

Four reviewers' browsers autosave scores as fast as they can (each its own criteria, each
save an audited write) while another connection terminates every backend of the database
every 40 ms. Every answer is the saved criterion (200) or the 503 page that says nothing was
saved and to try again (`Retry-After`), never a 500; each client retries a refused save
until it is saved. Afterwards every score holds the client's last level and the stored
state equals the replay of the audit trail: nothing was half-written.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import event
from sqlmodel import col, select
from starlette.testclient import TestClient

from qa.audit.verification import verify_everything
from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.models import Score, Scoresheet, User
from qa.services.people.passwords import hash_password
from qa.services.review.reviews import declare_conflict, respond
from qa.web.app import create_app
from tests.conftest import _truncate_all
from tests.web.conftest import WEB_PASSWORD, WebUser
from tests.world import World, build_world

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROUNDS = 6  # each client walks its criteria this many times
KILL_EVERY = 0.04


@pytest.fixture
def pg_world(postgres_url: str, today: date) -> Iterator[World]:
    db = Database(postgres_url)
    _truncate_all(db)
    yield build_world(db, today)
    db.dispose()


class Killer(threading.Thread):
    """Terminates every other backend of the database, over and over."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.stop = threading.Event()
        self.killed = 0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as admin:
            while not self.stop.wait(KILL_EVERY):
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                self.killed += len(rows)


def test_dropped_connections_give_503s_or_saves_and_nothing_half_written(
    pg_world: World, good_descriptor: dict[str, Any], tmp_path: Path
) -> None:
    world = pg_world
    submission_id = world.to_peer_review(good_descriptor)
    assignments = world.round_assignments(submission_id)
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=world.db)
    criteria = [criterion.id for criterion in world.rubric.criteria]
    clients: list[tuple[WebUser, int, list[str]]] = []
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    last: dict[tuple[int, str], int] = {}
    lock = threading.Lock()
    with TestClient(app, base_url="http://testserver") as client_a:
        del client_a  # the app's lifespan runs once; each user gets a client of their own
        for assignment in assignments[:2]:
            reviewer = world.reviewer_for(assignment)
            assert assignment.id is not None and reviewer.user_id is not None
            done = respond(
                world.db, reviewer, assignment.id, expected_version=assignment.version, accept=True
            )
            declare_conflict(
                world.db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
            )
            with world.db.write() as session:
                user = session.get_one(User, reviewer.user_id)
                user.password_hash = hash_password(WEB_PASSWORD)
                session.add(user)
                session.commit()
            for half in (criteria[0::2], criteria[1::2]):  # two browsers per reviewer
                user_client = WebUser(TestClient(app, base_url="http://testserver"), user.username)
                user_client.sign_in()
                clients.append((user_client, assignment.id, half[:8]))

        def autosave(web: WebUser, assignment_id: int, mine: list[str]) -> None:
            for round_number in range(ROUNDS):
                for criterion in mine:
                    level = (round_number + len(criterion)) % 4
                    for _attempt in range(50):
                        response = web.post(
                            f"/reviews/{assignment_id}/scores/{criterion}",
                            {f"level-{criterion}": str(level)},
                            htmx=True,
                        )
                        with lock:
                            statuses[response.status_code] += 1
                        if response.status_code == 200:
                            break
                        if response.status_code != 503 or "Try again" not in response.text:
                            with lock:
                                problems.append(f"{response.status_code}: {response.text[-300:]}")
                            return
                    else:
                        with lock:
                            problems.append(f"{criterion}: never saved in 50 tries")
                        return
                    with lock:
                        last[(assignment_id, criterion)] = level

        killer = Killer(world.db.url.render_as_string(hide_password=False))
        workers = [threading.Thread(target=autosave, args=client) for client in clients]
        killer.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(300)
        killer.stop.set()
        killer.join(10)
        for web, _, _ in clients:
            web.client.close()
    print(f"responses {dict(statuses)}; {killer.killed} backends terminated")
    assert problems == []
    assert set(statuses) <= {200, 503} and statuses[503] > 0 and killer.killed > 0
    assert len(last) == sum(len(mine) for _, _, mine in clients)

    with world.db.session() as session:
        stored = {
            (sheet.assignment_id, score.criterion_id): score.level
            for score, sheet in session.exec(
                select(Score, Scoresheet).where(col(Score.scoresheet_id) == Scoresheet.id)
            )
            if sheet.assignment_id is not None
        }
    assert {key: stored.get(key) for key in last} == last  # every client's last save holds
    verdict = verify_everything(world.db, [])
    assert verdict.reconciliation.ok, verdict.reconciliation.differences[:5]
    assert verdict.chain.ok


def test_a_connection_dropped_before_any_write_is_replaced_and_the_request_served(
    pg_world: World, tmp_path: Path
) -> None:
    """Idle pooled connections terminated: the pool's pre-ping replaces them. A connection
    terminated just before the request's first query (the signed-in user's session): the
    lookup is run again on a new connection, and the page is served, not a 503."""
    world = pg_world
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=world.db)
    admin_url = world.db.url.render_as_string(hide_password=False)
    admin_url = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with world.db.write() as session:
        user = session.exec(select(User).where(col(User.username) == "ines")).one()
        user.password_hash = hash_password(WEB_PASSWORD)
        session.add(user)
        session.commit()
    with TestClient(app, base_url="http://testserver") as client:
        provider = WebUser(client, "ines")
        provider.sign_in()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            idle = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
            assert idle is not None and idle[0] > 0
            assert provider.get("/").status_code == 200  # pre-ping: new connections

            dropped: list[int] = []

            def drop_first(connection: Any, cursor: Any, statement: str, *args: Any) -> None:
                if not dropped and "web_session" in statement:
                    pid = connection.connection.dbapi_connection.info.backend_pid
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    dropped.append(pid)

            event.listen(world.db.engine, "before_cursor_execute", drop_first)
            try:
                page = provider.get("/")
            finally:
                event.remove(world.db.engine, "before_cursor_execute", drop_first)
        assert dropped, "the fault was not injected"
        assert page.status_code == 200, page.text[-300:]
        assert "Inês" in page.text or "ines" in page.text  # still signed in
