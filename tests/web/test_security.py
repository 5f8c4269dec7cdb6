"""Sign-in, sessions, CSRF, security headers and htmx behaviour of the web app."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from qa.config import Settings
from qa.persistence.models import User
from qa.services.people.users import add_user
from qa.web.app import STATIC, create_app
from qa.web.auth import safe_next
from tests.world import World

PASSWORD = "correct horse battery"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


@pytest.fixture
def client(world: World, tmp_path: Path) -> Iterator[TestClient]:
    for username, roles, institution in (
        ("officer1", ["officer"], None),
        ("provider1", ["provider"], "PT-IPVN"),
        ("agency1", ["agency"], None),
    ):
        add_user(
            world.db,
            world.provider,
            username=username,
            email=f"{username}@example.org",
            display_name=username.title(),
            roles=roles,
            institution_code=institution,
            password=PASSWORD,
        )
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path)})
    with TestClient(create_app(settings, db=world.db), base_url="http://testserver") as c:
        yield c


def token(client: TestClient, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD, **extra: str) -> Any:
    data = {"login": username, "password": password, "csrf_token": token(client)} | extra
    return client.post("/login", data=data, follow_redirects=False)


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/")
    fragment = client.get("/", headers={"HX-Request": "true"}, follow_redirects=False)
    assert (fragment.status_code, fragment.headers["HX-Redirect"]) == (204, "/login?next=/")


def test_security_headers_on_every_response(client: TestClient) -> None:
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "HX-Request" in response.headers["vary"]
    assert "<script>" not in response.text and "hx-on" not in response.text


def test_sign_in_and_out(client: TestClient) -> None:
    response = sign_in(client, "officer1", next="/?stage=draft")
    assert (response.status_code, response.headers["location"]) == (303, "/?stage=draft")
    home = client.get("/")
    assert home.status_code == 200 and "Officer1" in home.text and "Sign out" in home.text
    out = client.post("/logout", data={"csrf_token": token(client, "/")}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_passwords_are_refused_then_throttled(client: TestClient) -> None:
    for _ in range(5):
        response = sign_in(client, "officer1", "wrong password")
        assert response.status_code == 400
        assert "The user name or password is not right." in response.text
    assert sign_in(client, "officer1").status_code == 429  # even the right one, for a while
    assert sign_in(client, "nobody", "whatever").status_code == 400


@pytest.mark.parametrize(
    ("headers", "data"),
    [
        ({}, {}),  # no token at all
        ({"X-CSRF-Token": "forged"}, {}),
        ({}, {"csrf_token": "forged"}),
        ({"Origin": "https://evil.example"}, None),  # right token, another site
        ({"Sec-Fetch-Site": "cross-site"}, None),
    ],
    ids=["missing", "forged-header", "forged-field", "other-origin", "cross-site"],
)
def test_unsafe_requests_without_the_sessions_token_are_refused(
    client: TestClient, headers: dict[str, str], data: dict[str, str] | None
) -> None:
    real = token(client)
    form = {"login": "officer1", "password": PASSWORD} | (
        data if data is not None else {"csrf_token": real}
    )
    response = client.post("/login", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == 403
    assert "user_id" not in str(client.cookies)


def test_htmx_requests_send_the_token_in_a_header(client: TestClient) -> None:
    sign_in(client, "officer1")
    page = client.get("/").text
    header = re.search(r"hx-headers='\{\"X-CSRF-Token\": \"([^\"]+)\"\}'", page)
    assert header
    response = client.post(
        "/logout",
        headers={"X-CSRF-Token": header.group(1), "HX-Request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_sign_out_everywhere_ends_other_sessions(client: TestClient, world: World) -> None:
    sign_in(client, "officer1")
    assert client.get("/", follow_redirects=False).status_code == 200
    with world.db.write() as session:
        user = session.exec(select(User).where(User.username == "officer1")).one()
        user.session_version += 1
        session.add(user)
        session.commit()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_each_role_sees_only_its_files(
    client: TestClient, world: World, good_descriptor: dict[str, Any]
) -> None:
    world.submit(good_descriptor)
    sign_in(client, "provider1")
    page = client.get("/").text
    assert good_descriptor["title"] in page and "Submissions by stage" in page
    client.post("/logout", data={"csrf_token": token(client, "/")})
    sign_in(client, "agency1")
    assert good_descriptor["title"] not in client.get("/").text  # not decided yet


def test_stage_filter_returns_a_fragment_for_htmx(
    client: TestClient, world: World, good_descriptor: dict[str, Any]
) -> None:
    world.submit(good_descriptor)
    sign_in(client, "officer1")
    fragment = client.get("/?stage=submitted", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith("<table>")
    assert "1 submission in Submitted (automatic check)" in fragment.text
    assert fragment.headers["vary"].count("HX-Request") >= 1


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/reviews/3", "/reviews/3"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_next_accepts_only_local_paths(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_vendored_htmx_is_the_pinned_file_with_its_licence() -> None:
    vendored = STATIC / "vendor" / "htmx-2.0.11.min.js"
    assert hashlib.sha256(vendored.read_bytes()).hexdigest() == HTMX_SHA256
    assert "Zero-Clause BSD" in (STATIC / "vendor" / "htmx-LICENSE.txt").read_text("utf-8")
