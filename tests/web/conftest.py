"""Shared web fixtures: a signed-in browser-like client for any user of the test world."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from qa.config import Settings
from qa.persistence.models import User
from qa.services.people.passwords import hash_password
from qa.web.app import create_app
from tests.world import World

WEB_PASSWORD = "correct horse battery"


def session_cookie_contents(cookie: str) -> str:
    """What anyone holding the session cookie can read: it is signed, not encrypted."""
    payload = cookie.split(".", maxsplit=1)[0]
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")


class WebUser:
    """A TestClient signed in as one user; `post` sends the session's CSRF token."""

    def __init__(self, client: TestClient, username: str) -> None:
        self.client = client
        self.username = username
        self.token = ""

    def sign_in(self) -> None:
        page = self.client.get("/login").text
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match
        response = self.client.post(
            "/login",
            data={"login": self.username, "password": WEB_PASSWORD, "csrf_token": match.group(1)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        self.refresh_token()

    def refresh_token(self) -> None:
        match = re.search(r'"X-CSRF-Token": "([^"]+)"', self.client.get("/").text)
        assert match
        self.token = match.group(1)

    def get(self, path: str, *, htmx: bool = False, **kwargs: Any) -> httpx.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(path, headers=headers, follow_redirects=False, **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, htmx: bool = False
    ) -> httpx.Response:
        headers = {"X-CSRF-Token": self.token}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(path, data=data or {}, headers=headers, follow_redirects=False)


@pytest.fixture
def web(world: World, tmp_path: Path) -> Iterator[Callable[[str], WebUser]]:
    """`web("ines")` is a client signed in as that user (any user in the database).

    Every call gives a new client (its own cookies), so two users can act side by side.
    """
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path)})
    app = create_app(settings, db=world.db)
    with ExitStack() as stack:

        def signed_in(username: str) -> WebUser:
            with world.db.write() as session:
                user = session.exec(select(User).where(col(User.username) == username)).one()
                user.password_hash = hash_password(WEB_PASSWORD)
                session.add(user)
                session.commit()
            client = stack.enter_context(TestClient(app, base_url="http://testserver"))
            web_user = WebUser(client, username)
            web_user.sign_in()
            return web_user

        yield signed_in
