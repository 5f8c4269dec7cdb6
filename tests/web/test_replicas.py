"""Stateless, replicated web: any process holding the shared key serves any session.

Two apps on the same database but with different data folders stand for two machines.
With QA_SECRET_KEY shared, a session started on one is honoured by the other (sessions
live in the database); with keys that differ, the cookie is worthless elsewhere.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from qa.config import Settings
from qa.domain.errors import InvalidInput
from qa.persistence.models import User
from qa.services.people.passwords import hash_password
from qa.web.app import create_app, secret_key
from tests.web.conftest import WEB_PASSWORD
from tests.world import World


def replica(world: World, folder: Path, key: str | None) -> TestClient:
    env = {"QA_DATA_DIR": str(folder)} | ({"QA_SECRET_KEY": key} if key else {})
    return TestClient(create_app(Settings.from_env(env), db=world.db), base_url="http://testserver")


def sign_in(client: TestClient, world: World) -> None:
    with world.db.write() as session:
        user = session.exec(select(User).where(col(User.username) == "aoife")).one()
        user.password_hash = hash_password(WEB_PASSWORD)
        session.add(user)
        session.commit()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    answer = client.post(
        "/login",
        data={"login": "aoife", "password": WEB_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_a_session_started_on_one_replica_is_served_by_another(
    world: World, tmp_path: Path
) -> None:
    key = secrets.token_urlsafe(48)
    with (
        replica(world, tmp_path / "a", key) as first,
        replica(world, tmp_path / "b", key) as second,
    ):
        sign_in(first, world)
        second.cookies = first.cookies
        page = second.get("/officer", follow_redirects=False)
        assert page.status_code == 200 and "Pipeline" in page.text
        # ...and a form posted there passes its CSRF check (the session's token).
        token = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
        assert token
        signed_out = second.post(
            "/logout", headers={"X-CSRF-Token": token.group(1)}, follow_redirects=False
        )
        assert signed_out.status_code == 303
        # Signing out on one replica ends the session on every replica.
        assert first.get("/officer", follow_redirects=False).status_code == 303


def test_without_the_shared_key_a_cookie_is_worthless_on_another_machine(
    world: World, tmp_path: Path
) -> None:
    with (
        replica(world, tmp_path / "a", None) as first,
        replica(world, tmp_path / "b", None) as second,
    ):
        sign_in(first, world)
        second.cookies = first.cookies
        answer = second.get("/officer", follow_redirects=False)
        assert answer.status_code == 303 and "/login" in answer.headers["location"]


def test_the_key_comes_from_the_environment_or_a_file(tmp_path: Path) -> None:
    key = secrets.token_urlsafe(48)
    assert (
        secret_key(Settings.from_env({"QA_DATA_DIR": str(tmp_path), "QA_SECRET_KEY": key})) == key
    )
    file = tmp_path / "key"
    file.write_text(f"{key}\n", encoding="utf-8")
    from_file = Settings.from_env({"QA_DATA_DIR": str(tmp_path), "QA_SECRET_KEY_FILE": str(file)})
    assert secret_key(from_file) == key
    assert not (tmp_path / "secret_key").exists()  # no data-folder key when one is given


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"QA_SECRET_KEY": "too short"}, "QA_SECRET_KEY must be at least 32 characters"),
        ({"QA_SECRET_KEY_FILE": "/nonexistent/key"}, "QA_SECRET_KEY_FILE: there is no file"),
    ],
)
def test_a_weak_or_missing_key_is_refused_at_start(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env({"QA_DATA_DIR": str(tmp_path), **env})
    assert any(says in problem for problem in refused.value.problems)


def test_packs_can_live_on_a_shared_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared-packs"
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path), "QA_PACKS_DIR": str(shared)})
    assert settings.packs_dir == shared.resolve()
    assert (
        Settings.from_env({"QA_DATA_DIR": str(tmp_path)}).packs_dir == tmp_path.resolve() / "packs"
    )
