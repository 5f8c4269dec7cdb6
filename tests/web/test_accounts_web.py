"""Sign-in links and the account page, as a person in a browser meets them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.models import AccessToken, AuditEntry, User
from qa.services.people.invitations import issue_link
from qa.services.people.passwords import verify_password
from qa.web.app import create_app
from tests.clock import now
from tests.web.conftest import WEB_PASSWORD, WebUser
from tests.world import World

NEW_PASSWORD = "a brand new long phrase"
Web = Callable[[str], WebUser]


@pytest.fixture
def browser(world: World, tmp_path: Path) -> Iterator[Callable[[], TestClient]]:
    """A fresh, signed-out browser (its own cookies) on each call."""
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=world.db)
    clients: list[TestClient] = []

    def fresh() -> TestClient:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        return client

    yield fresh
    for client in clients:
        client.close()


def _lucia(world: World) -> User:
    with world.db.session() as session:
        return session.exec(select(User).where(User.username == "lucia")).one()


def _link(world: World, days: int = 7) -> str:
    user_id = _lucia(world).id
    assert user_id is not None
    return issue_link(world.db, Actor.cli("tests"), user_id, days=days).path


def _set_password(
    client: TestClient, path: str, password: str = NEW_PASSWORD, confirm: str | None = None
) -> httpx.Response:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text
    data = {"password": password, "confirm": confirm or password, "csrf_token": match.group(1)}
    return client.post(path, data=data, follow_redirects=False)


def test_an_invitation_signs_the_person_in_once(
    world: World, browser: Callable[[], TestClient]
) -> None:
    path = _link(world)
    client = browser()
    page = client.get(path)
    assert page.status_code == 200 and "Welcome, Lucia" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert 'autocomplete="new-password"' in page.text
    done = _set_password(client, path)
    assert (done.status_code, done.headers["location"]) == (303, "/")
    home = client.get("/")
    assert home.status_code == 200 and "Sign out" in home.text and "Lucia" in home.text
    stored = _lucia(world)
    assert stored.password_hash and verify_password(stored.password_hash, NEW_PASSWORD)
    again = browser()
    assert again.get(path).status_code == 410
    refused = _set_password_without_form(again, path)
    assert refused.status_code == 410 and "already been used" in refused.text
    with world.db.session() as session:
        actions = session.exec(select(AuditEntry.action)).all()
    assert "user.password_set_by_link" in actions


def _set_password_without_form(client: TestClient, path: str) -> httpx.Response:
    """Post to a spent link with a CSRF token taken from the sign-in page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert match
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": match.group(1)}
    return client.post(path, data=data, follow_redirects=False)


def test_expired_replaced_and_unknown_links_say_so(
    world: World, browser: Callable[[], TestClient]
) -> None:
    expired = _link(world, days=1)
    with world.db.write() as session:
        row = session.exec(select(AccessToken)).one()
        row.expires_at = now() - timedelta(minutes=1)
        session.add(row)
        session.commit()
    client = browser()
    page = client.get(expired)
    assert page.status_code == 410 and "expired" in page.text and "Lucia" not in page.text
    old, new = _link(world), _link(world)
    assert client.get(old).status_code == 410
    assert "replaced" in client.get(old).text
    assert client.get(new).status_code == 200
    unknown = client.get("/invite/not-a-real-token")
    assert unknown.status_code == 404 and "not known" in unknown.text
    assert "Lucia" not in unknown.text


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("too short", "too short", "password", "Use at least 12 characters."),
        ("lucia@example.org", "lucia@example.org", "password", "Do not use your user name"),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "confirm", "The two passwords are not the same."),
    ],
)
def test_a_weak_or_mismatched_password_is_shown_next_to_its_field(
    world: World,
    browser: Callable[[], TestClient],
    password: str,
    confirm: str,
    field: str,
    message: str,
) -> None:
    path = _link(world)
    client = browser()
    page = _set_password(client, path, password, confirm)
    assert page.status_code == 422
    assert 'class="error-summary"' in page.text and f'href="#{field}"' in page.text
    assert f'<p class="field-error" id="{field}-error">{message}' in page.text
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', page.text)
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', page.text)
    assert password not in page.text.replace("lucia@example.org", "")
    assert client.get("/", follow_redirects=False).status_code == 303  # not signed in
    assert _set_password(client, path).status_code == 303  # the link still works


def test_the_account_page_shows_who_you_are(web: Web) -> None:
    page = web("ines").get("/account")
    assert page.status_code == 200
    for text in ("Inês Araújo", "ines@example.org", "provider", "Instituto Politécnico"):
        assert text in page.text
    assert 'for="current"' in page.text and 'for="confirm"' in page.text


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(
    web: Web, world: World
) -> None:
    laptop, phone = web("ines"), web("ines")
    done = laptop.post(
        "/account/password",
        {"current": WEB_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert (done.status_code, done.headers["location"]) == (303, "/account?done=password")
    assert "Your password was changed" in laptop.get("/account?done=password").text
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 303  # signed out
    with world.db.session() as session:
        user = session.exec(select(User).where(User.username == "ines")).one()
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.password_changed")
        ).one()
    assert user.password_hash and verify_password(user.password_hash, NEW_PASSWORD)
    assert NEW_PASSWORD not in str(entry.before) + str(entry.after)


def test_a_wrong_current_password_changes_nothing(web: Web, world: World) -> None:
    ines = web("ines")
    page = ines.post(
        "/account/password",
        {"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert page.status_code == 422
    assert "This is not your current password." in page.text and 'href="#current"' in page.text
    with world.db.session() as session:
        user = session.exec(select(User).where(User.username == "ines")).one()
    assert user.password_hash and verify_password(user.password_hash, WEB_PASSWORD)
    assert ines.get("/").status_code == 200


def test_sign_out_everywhere(web: Web) -> None:
    laptop, phone = web("soren"), web("soren")
    done = laptop.post("/account/sessions/end")
    assert (done.status_code, done.headers["location"]) == (303, "/login")
    assert laptop.get("/account").status_code == 303
    assert phone.get("/account").status_code == 303


def test_account_pages_need_sign_in_and_csrf(browser: Callable[[], TestClient]) -> None:
    client = browser()
    page = client.get("/account", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/login?next=/account")
    refused = client.post("/account/sessions/end", follow_redirects=False)
    assert refused.status_code == 403
