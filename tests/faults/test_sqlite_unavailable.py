"""The SQLite file made read-only, or its whole data folder gone, while the product runs.

The web app answers a clear 503 page (nothing was saved, try again) and the `qa` command one
error line with exit code 2; nothing is half-written and the file stays intact
(`PRAGMA integrity_check`); no new empty database appears in its place; once the file or the
folder is back, the same request succeeds. Read-only is the file's immutable attribute
(`chattr +i`): the tests run as root, whom permission bits do not stop.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.models import User
from qa.services.people.passwords import hash_password
from qa.web.app import create_app
from tests.faults.conftest import Qa
from tests.web.conftest import WEB_PASSWORD, WebUser
from tests.world import World, build_world

pytestmark = pytest.mark.slow
Fault = Callable[[Path], AbstractContextManager[None]]


@contextmanager
def read_only_file(data_dir: Path) -> Iterator[None]:
    database = data_dir / "qa.sqlite3"
    done = subprocess.run(
        ["chattr", "+i", str(database)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot make a file read-only for root here: {done.stderr.decode()[:200]}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)


@contextmanager
def folder_gone(data_dir: Path) -> Iterator[None]:
    """The folder moved away (a disk unmounted, a wrong mount); put back afterwards."""
    away = data_dir.with_name("moved-away")
    data_dir.rename(away)
    try:
        yield
    finally:
        assert not data_dir.exists(), "something re-created the data folder"
        away.rename(data_dir)


@contextmanager
def file_gone(data_dir: Path) -> Iterator[None]:
    """The database file (with its WAL files) moved away, the folder left; put back after."""
    files = [data_dir / f"qa.sqlite3{suffix}" for suffix in ("", "-wal", "-shm")]
    moved = {path: data_dir.with_name(path.name) for path in files if path.exists()}
    for path, away in moved.items():
        path.rename(away)
    try:
        yield
    finally:
        assert not files[0].exists(), "something created a new database in its place"
        for path, away in moved.items():
            away.rename(path)


FAULTS = {"read-only-file": read_only_file, "folder-gone": folder_gone, "file-gone": file_gone}


def fingerprint(database: Path) -> str:
    """Every row of every table, checked and hashed (read behind the product's back)."""
    with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        digest = hashlib.sha256()
        tables = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for (table,) in tables.fetchall():
            for row in db.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
                digest.update(repr((table, row)).encode())
        return digest.hexdigest()


@pytest.fixture
def office(sqlite_template: Path, tmp_path: Path, today: date) -> Iterator[tuple[World, Path]]:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(sqlite_template, data_dir / "qa.sqlite3")
    db = Database(f"sqlite:///{data_dir / 'qa.sqlite3'}")
    yield build_world(db, today), data_dir
    db.dispose()


def _signed_in(world: World, client: TestClient, username: str) -> WebUser:
    with world.db.write() as session:
        user = session.exec(select(User).where(col(User.username) == username)).one()
        user.password_hash = hash_password(WEB_PASSWORD)
        session.add(user)
        session.commit()
    web_user = WebUser(client, username)
    web_user.sign_in()
    return web_user


@pytest.mark.parametrize("fault", FAULTS)
def test_the_web_app_answers_503_saves_nothing_and_works_again_after(
    office: tuple[World, Path], good_descriptor: dict[str, Any], fault: str
) -> None:
    world, data_dir = office
    submission_id = world.to_peer_review(good_descriptor)
    invitation = world.panel_member(submission_id, "subject_expert")
    with world.db.session() as session:
        username = session.get_one(User, invitation.reviewer_id).username
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(data_dir)}), db=world.db)
    # A database that fails while the signed-in user is loaded (middleware) reaches the 500
    # handler, which answers 503; the test client would re-raise it instead of answering.
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        reviewer = _signed_in(world, client, username)
        path = f"/reviews/{invitation.id}/answer"
        form = {"decline": "1", "version": str(invitation.version), "reason": "Busy"}
        before = fingerprint(data_dir / "qa.sqlite3")
        with FAULTS[fault](data_dir):
            world.db.dispose()  # new connections, as after a restart (pooled ones hold the file)
            for attempt in range(3):
                page = reviewer.post(path, form)
                assert page.status_code == 503, (attempt, page.status_code, page.text[-500:])
                assert "so nothing was saved" in page.text and page.headers["Retry-After"]
                fragment = reviewer.post(path, form, htmx=True)
                assert fragment.status_code == 503 and "nothing was saved" in fragment.text
            health = client.get("/health")
            gone = fault != "read-only-file"
            assert health.status_code == (503 if gone else 200)
            if gone:
                assert "cannot be reached" in page.text
                assert "cannot be reached" in health.text
                assert reviewer.get(f"/reviews/{invitation.id}").status_code == 503
            else:
                assert "cannot be written to" in page.text
                assert reviewer.get(f"/reviews/{invitation.id}").status_code == 200
        world.db.dispose()
        assert fingerprint(data_dir / "qa.sqlite3") == before  # not a byte of a row changed
        assert reviewer.post(path, form).status_code == 303  # normal again
    assert world.assignment(invitation.id or 0).state == "declined"
    assert fingerprint(data_dir / "qa.sqlite3") != before


@pytest.mark.parametrize("fault", FAULTS)
def test_the_command_says_why_in_one_line_and_works_again_after(
    qa: Qa, data_dir: Path, fault: str
) -> None:
    assert qa("init")[0] == 0
    before = fingerprint(data_dir / "qa.sqlite3")
    add = ("institutions", "add", "PT-NEW", "New Institute", "--country", "PT")
    with FAULTS[fault](data_dir):
        code, out, err = qa(*add)
        assert code == 2 and out == ""
        first = err.splitlines()[0]
        if fault != "read-only-file":
            assert first == (
                f"error: there is no database at {data_dir / 'qa.sqlite3'}: check QA_DATA_DIR "
                "(or QA_DATABASE_URL); for a new office run `qa init` first"
            )
            assert qa("summary")[0] == 2
            assert not (data_dir / "qa.sqlite3").exists()  # no new, empty office in its place
        else:
            assert first == "error: the database cannot be used"
            assert "attempt to write a readonly database" in err
            assert qa("summary")[0] == 0  # reading still works
    assert fingerprint(data_dir / "qa.sqlite3") == before
    code, out, err = qa(*add)
    assert code == 0, err
    assert "PT-NEW" in qa("institutions", "list")[1]
