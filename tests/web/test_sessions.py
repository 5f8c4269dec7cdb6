"""Sessions end on the server (sign-out, idle, absolute lifetime); cookies and caching.

Each test replays what a hostile probe did: reuse a cookie copied before signing out, keep a
session alive past its lifetime, read a cookie sent over HTTPS without `Secure`, find a
signed-in page in a shared cache.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.models import AuditEntry, WebSession
from qa.services.people.users import add_user
from qa.web.app import create_app
from tests.clock import now
from tests.web.conftest import session_cookie_contents
from tests.world import World

PASSWORD = "correct horse battery"
MakeApp = Callable[..., Starlette]


@pytest.fixture
def make_app(world: World, tmp_path: Path) -> MakeApp:
    add_user(
        world.db,
        Actor.cli("tests"),
        username="officer1",
        email="officer1@example.org",
        display_name="Officer One",
        roles=["officer"],
        password=PASSWORD,
    )

    def make(**env: str) -> Starlette:
        return create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)} | env), db=world.db)

    return make


@pytest.fixture
def client(make_app: MakeApp) -> Iterator[TestClient]:
    with TestClient(make_app(), base_url="http://testserver") as c:
        yield c


def _csrf(client: TestClient, path: str = "/login") -> str:
    page = client.get(path).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page) or re.search(
        r'"X-CSRF-Token": "([^"]+)"', page
    )
    assert match, page
    return match.group(1)


def _sign_in(client: TestClient) -> None:
    data = {"login": "officer1", "password": PASSWORD, "csrf_token": _csrf(client)}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303


def _signed_in(client: TestClient) -> bool:
    return client.get("/account", follow_redirects=False).status_code == 200


def test_a_cookie_copied_before_signing_out_no_longer_works(
    client: TestClient, make_app: MakeApp, world: World
) -> None:
    _sign_in(client)
    stolen = client.cookies["qa_session"]
    client.post("/logout", data={"csrf_token": _csrf(client, "/")})
    assert not _signed_in(client)
    with TestClient(make_app(), base_url="http://testserver") as attacker:
        attacker.cookies.set("qa_session", stolen)
        assert not _signed_in(attacker)
        assert attacker.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    with world.db.session() as session:
        ended = session.exec(select(WebSession)).one()
        actions = session.exec(select(AuditEntry.action)).all()
    assert ended.ended_at is not None and "user.signed_out" in actions


def test_the_cookie_holds_a_random_session_id_not_the_user(client: TestClient) -> None:
    _sign_in(client)
    contents = session_cookie_contents(client.cookies["qa_session"])
    assert '"sid"' in contents and "user_id" not in contents and '"sv"' not in contents


def test_a_session_ends_after_its_idle_timeout(make_app: MakeApp) -> None:
    with TestClient(make_app(QA_SESSION_IDLE_MINUTES="30"), base_url="http://testserver") as c:
        _sign_in(c)
        with time_machine.travel(now(), tick=True) as traveller:
            traveller.shift(timedelta(minutes=25))
            assert _signed_in(c)  # activity keeps it alive ...
            traveller.shift(timedelta(minutes=25))
            assert _signed_in(c)  # ... 50 minutes after sign-in
            traveller.shift(timedelta(minutes=31))
            assert not _signed_in(c)  # ... but not 31 idle minutes


def test_a_busy_session_still_ends_at_its_absolute_lifetime(make_app: MakeApp) -> None:
    with TestClient(make_app(QA_SESSION_MAX_HOURS="2"), base_url="http://testserver") as c:
        _sign_in(c)
        with time_machine.travel(now(), tick=True) as traveller:
            for _ in range(5):
                traveller.shift(timedelta(minutes=23))
                assert _signed_in(c)  # 115 minutes, never idle
            traveller.shift(timedelta(minutes=6))
            assert not _signed_in(c)  # past 2 hours
            _sign_in(c)
            assert _signed_in(c)  # signing in again starts a new one


def test_the_default_lifetime_is_twelve_hours(client: TestClient) -> None:
    _sign_in(client)
    with time_machine.travel(now(), tick=True) as traveller:
        for _ in range(11):
            traveller.shift(timedelta(minutes=65))
            assert _signed_in(client)
        traveller.shift(timedelta(minutes=6))
        assert not _signed_in(client)


def test_changing_the_password_keeps_this_session_and_ends_a_copied_one(
    make_app: MakeApp,
) -> None:
    app = make_app()
    with (
        TestClient(app, base_url="http://testserver") as laptop,
        TestClient(app, base_url="http://testserver") as phone,
    ):
        _sign_in(laptop)
        _sign_in(phone)
        new = "a brand new long phrase"
        data = {"current": PASSWORD, "password": new, "confirm": new}
        done = laptop.post(
            "/account/password",
            data=data,
            headers={"X-CSRF-Token": _csrf(laptop, "/")},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert _signed_in(laptop) and not _signed_in(phone)


def _set_cookie(response_headers: list[str]) -> str:
    cookies = [header for header in response_headers if "qa_session=" in header]
    assert len(cookies) == 1, response_headers
    return cookies[0]


def _sign_in_cookie(client: TestClient) -> str:
    data = {"login": "officer1", "password": PASSWORD, "csrf_token": _csrf(client)}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303
    return _set_cookie(response.headers.get_list("set-cookie"))


def test_over_https_the_cookie_is_secure_and_host_only(make_app: MakeApp) -> None:
    with TestClient(make_app(), base_url="https://testserver") as browser:
        cookie = _sign_in_cookie(browser)
        assert cookie.startswith("__Host-qa_session=")
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "path=/", "samesite=lax"} <= flags
        assert not any(flag.startswith("domain") for flag in flags)
        assert _signed_in(browser)


def test_over_plain_http_the_cookie_is_not_secure_by_default(client: TestClient) -> None:
    cookie = _sign_in_cookie(client)
    assert cookie.startswith("qa_session=") and "secure" not in cookie.lower()


@pytest.mark.parametrize(
    ("env", "base_url", "name", "secure"),
    [
        ({"QA_SECURE_COOKIES": "on"}, "http://testserver", "__Host-qa_session", True),
        ({"QA_SECURE_COOKIES": "off"}, "https://testserver", "qa_session", False),
        ({"QA_COOKIE_HOST_PREFIX": "off"}, "https://testserver", "qa_session", True),
    ],
    ids=["always-secure", "never-secure", "no-prefix"],
)
def test_cookie_settings(
    make_app: MakeApp, env: dict[str, str], base_url: str, name: str, secure: bool
) -> None:
    with TestClient(make_app(**env), base_url=base_url) as browser:
        cookie = _set_cookie(browser.get("/login").headers.get_list("set-cookie"))
        assert cookie.startswith(f"{name}=")
        assert ("; secure" in cookie.lower()) is secure


def test_signed_in_pages_and_personal_data_are_never_cached(client: TestClient) -> None:
    assert client.get("/login").headers["cache-control"] == "no-store"  # it holds the CSRF
    _sign_in(client)
    for path in ("/", "/account", "/admin/users"):
        response = client.get(path, follow_redirects=False)
        assert response.headers["cache-control"] == "no-store", path
    fragment = client.get("/?stage=draft", headers={"HX-Request": "true"})
    assert fragment.headers["cache-control"] == "no-store"
    static = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get("cache-control", "")


def test_sessions_are_kept_server_side_with_only_a_hash(client: TestClient, world: World) -> None:
    _sign_in(client)
    contents = session_cookie_contents(client.cookies["qa_session"])
    sid = re.search(r'"sid":\s*"([^"]+)"', contents)
    assert sid
    with world.db.session() as session:
        stored = session.exec(select(WebSession.token_hash)).all()
        assert sid.group(1) not in stored and len(stored) == 1
        assert session.exec(select(WebSession).where(col(WebSession.ended_at).is_(None))).one()
