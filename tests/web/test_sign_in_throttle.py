"""Sign-in throttling: per account whichever identifier is typed, per address against
password spraying, and stored in the database (a restart or another replica still refuses).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.persistence.models import SignInAttempt
from qa.services.people.sign_in_throttle import ThrottleLimits, begin_attempt
from qa.services.people.users import add_user
from qa.web.app import create_app
from tests.clock import now
from tests.world import World

PASSWORD = "correct horse battery"
SPRAYED = "Summer2026!"
ACCOUNTS = 12
MakeApp = Callable[[], Starlette]


@pytest.fixture
def make_app(world: World, tmp_path: Path) -> MakeApp:
    for n in range(ACCOUNTS):
        add_user(
            world.db,
            Actor.cli("tests"),
            username=f"person{n}",
            email=f"person{n}@example.org",
            display_name=f"Person {n}",
            roles=["officer"],
            password=PASSWORD,
        )
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path)})
    return lambda: create_app(settings, db=world.db)


def _attempt(client: TestClient, login: str, password: str) -> int:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    data = {"login": login, "password": password, "csrf_token": match.group(1)}
    return client.post("/login", data=data, follow_redirects=False).status_code


def test_user_name_and_e_mail_share_one_account_limit(make_app: MakeApp) -> None:
    """Alternating the two identifiers used to give an attacker 10 guesses instead of 5."""
    with TestClient(make_app(), base_url="http://testserver") as attacker:
        for n in range(5):
            login = "person0" if n % 2 else "Person0@Example.org"
            assert _attempt(attacker, login, f"guess {n}") == 400
        assert _attempt(attacker, "person0@example.org", "guess 5") == 429
        assert _attempt(attacker, "person0", PASSWORD) == 429  # even the right one, for now
        assert _attempt(attacker, "person1", PASSWORD) == 303  # another account is not locked


def test_one_password_sprayed_across_accounts_is_refused(make_app: MakeApp) -> None:
    with TestClient(make_app(), base_url="http://testserver") as sprayer:
        answers = [_attempt(sprayer, f"person{n}", SPRAYED) for n in range(ACCOUNTS)]
    assert answers == [400] * 10 + [429] * 2


def test_signing_in_to_ones_own_account_does_not_reset_the_address(make_app: MakeApp) -> None:
    with TestClient(make_app(), base_url="http://testserver") as sprayer:
        for n in range(1, 10):
            assert _attempt(sprayer, f"person{n}", SPRAYED) == 400
        assert _attempt(sprayer, "person0", PASSWORD) == 303  # the sprayer's own account
        assert _attempt(sprayer, "person10", SPRAYED) == 400  # the 10th failure
        assert _attempt(sprayer, "person11", SPRAYED) == 429


def test_a_restarted_or_other_instance_still_refuses(make_app: MakeApp) -> None:
    with TestClient(make_app(), base_url="http://testserver") as attacker:
        for n in range(5):
            assert _attempt(attacker, "person0", f"guess {n}") == 400
    with TestClient(make_app(), base_url="http://testserver") as after_restart:
        assert _attempt(after_restart, "person0", "guess 5") == 429


def test_the_lock_lifts_after_the_window_and_old_rows_are_pruned(
    make_app: MakeApp, world: World
) -> None:
    with TestClient(make_app(), base_url="http://testserver") as client:
        for n in range(5):
            assert _attempt(client, "person0", f"guess {n}") == 400
        assert _attempt(client, "person0", PASSWORD) == 429
        with time_machine.travel(now() + timedelta(minutes=16), tick=True):
            assert _attempt(client, "person1", "one wrong guess") == 400
            with world.db.session() as session:
                rows = session.exec(select(func.count()).select_from(SignInAttempt)).one()
            assert rows == 1  # the five old failures were pruned
            assert _attempt(client, "person0", PASSWORD) == 303


def test_concurrent_guesses_cannot_slip_past_the_limit(db: Database) -> None:
    """Attempts count from before their password check: a burst all checks at once."""
    limits = ThrottleLimits(per_account=5, per_source=1000)
    accepted: list[int | None] = []
    barrier = threading.Barrier(20)

    def guess(n: int) -> None:
        barrier.wait()
        accepted.append(begin_attempt(db, "user:1", f"10.0.0.{n}", limits))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([a for a in accepted if a is not None]) == 5


def test_absurd_logins_are_answered_not_crashed(make_app: MakeApp) -> None:
    with TestClient(make_app(), base_url="http://testserver") as client:
        assert _attempt(client, "x" * 5000, "y" * 5000) == 400
        assert _attempt(client, "nul\x00byte", "") == 422  # refused at the edge (input guard)
