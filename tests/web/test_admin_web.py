"""The administrator's user pages: add with a link, edit, deactivate, refuse the unsafe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select
from starlette.testclient import TestClient

from qa.domain.actor import Actor
from qa.persistence.models import AuditEntry, User, UserRole
from qa.services.people.users import add_user
from tests.web.conftest import WebUser, session_cookie_contents
from tests.world import World

Web = Callable[[str], WebUser]


@pytest.fixture
def admin(world: World, web: Web) -> WebUser:
    add_user(
        world.db,
        Actor.cli("tests"),
        username="ada",
        email="ada@example.org",
        display_name="Ada Admin",
        roles=["admin"],
    )
    return web("ada")


def _user(world: World, username: str) -> User:
    with world.db.session() as session:
        return session.exec(select(User).where(User.username == username)).one()


def _roles(world: World, username: str) -> list[str]:
    user_id = _user(world, username).id
    with world.db.session() as session:
        return sorted(session.exec(select(UserRole.role).where(UserRole.user_id == user_id)))


def _edit_form(world: World, username: str, **changes: Any) -> dict[str, Any]:
    user = _user(world, username)
    form: dict[str, Any] = {
        "display_name": user.display_name,
        "email": user.email,
        "roles": _roles(world, username),
        "institution": "",
        "expertise": ", ".join(user.expertise),
        "panel_role": user.panel_role or "",
    }
    return form | changes


def test_the_list_shows_everyone_and_searches(admin: WebUser) -> None:
    page = admin.get("/admin/users")
    assert page.status_code == 200
    for text in ("Inês Araújo", "agnieszka@example.org", "reviewer", "Instituto Politécnico"):
        assert text in page.text
    assert "never" in page.text and "active" in page.text
    found = admin.get("/admin/users?q=SOR", htmx=True)
    assert found.status_code == 200 and "<html" not in found.text
    assert "Soren" in found.text and "Lucia" not in found.text and "1 user matching" in found.text


def test_adding_a_user_gives_a_one_time_link_that_works(admin: WebUser, world: World) -> None:
    form = admin.get("/admin/users/new")
    assert form.status_code == 200 and 'id="role-reviewer"' in form.text
    done = admin.post(
        "/admin/users/new",
        {
            "username": "mariam",
            "display_name": "Mariam Haddad",
            "email": "Mariam@Example.org",
            "roles": ["reviewer"],
            "expertise": "0613, 0542",
            "panel_role": "subject_expert",
        },
    )
    assert done.status_code == 200  # the link is in this response only (never stored)
    mariam = _user(world, "mariam")
    assert (mariam.email, mariam.expertise, mariam.panel_role) == (
        "mariam@example.org",
        ["0613", "0542"],
        "subject_expert",
    )
    link = re.search(r'value="http://testserver(/invite/[^"]+)"', done.text)
    assert link and "shown only once" in done.text and "Mariam Haddad" in done.text
    assert done.headers["cache-control"] == "no-store"
    assert "/invite/" not in admin.get(f"/admin/users/{mariam.id}").text  # gone on reload
    with TestClient(admin.client.app, base_url="http://testserver") as mariams_browser:
        invite = mariams_browser.get(link.group(1))
        assert invite.status_code == 200 and "Welcome, Mariam Haddad" in invite.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', invite.text)
        assert token
        password = "mariam's own long phrase"
        signed_in = mariams_browser.post(
            link.group(1),
            data={"password": password, "confirm": password, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303
        assert "Mariam Haddad" in mariams_browser.get("/account").text


def test_a_taken_e_mail_or_user_name_is_a_field_error(admin: WebUser, world: World) -> None:
    page = admin.post(
        "/admin/users/new",
        {
            "username": "lucia",
            "display_name": "Another Lucia",
            "email": "LUCIA@example.org",
            "roles": ["reviewer"],
        },
    )
    assert page.status_code == 422
    assert 'id="username-error">This user name is taken.' in page.text
    assert 'id="email-error">Another user has this e-mail address.' in page.text
    assert 'value="Another Lucia"' in page.text  # what was typed is kept
    edit = admin.post(
        f"/admin/users/{_user(world, 'soren').id}",
        _edit_form(world, "soren", email="lucia@example.org"),
    )
    assert edit.status_code == 422
    assert 'id="email-error">Another user has this e-mail address.' in edit.text
    assert _user(world, "soren").email == "soren@example.org"


def test_bad_input_is_shown_field_by_field(admin: WebUser) -> None:
    page = admin.post(
        "/admin/users/new",
        {
            "username": "Not OK",
            "display_name": "",
            "email": "nope",
            "roles": [],
            "expertise": "99999, 0613",
            "panel_role": "boss",
        },
    )
    assert page.status_code == 422
    for name in ("username", "display_name", "email", "roles", "expertise", "panel_role"):
        assert f'href="#{name}"' in page.text and f'id="{name}-error"' in page.text
    assert "99999" in page.text


def test_editing_a_user_is_audited_before_and_after(admin: WebUser, world: World) -> None:
    soren = _user(world, "soren")
    done = admin.post(
        f"/admin/users/{soren.id}",
        _edit_form(
            world,
            "soren",
            display_name="Søren Kierkegaard",
            roles=["reviewer", "officer"],
            expertise="0613 0223",
            panel_role="learner",
        ),
    )
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/admin/users/{soren.id}?done=saved",
    )
    assert "Changes saved." in admin.get(done.headers["location"]).text
    changed = _user(world, "soren")
    assert (changed.display_name, changed.expertise, changed.panel_role) == (
        "Søren Kierkegaard",
        ["0613", "0223"],
        "learner",
    )
    assert _roles(world, "soren") == ["officer", "reviewer"]
    with world.db.session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
    assert entry.before and entry.after
    assert (entry.before["display_name"], entry.after["display_name"]) == (
        "Soren",
        "Søren Kierkegaard",
    )
    assert (entry.before["roles"], entry.after["roles"]) == (["reviewer"], ["officer", "reviewer"])


def test_a_provider_needs_an_institution(admin: WebUser, world: World) -> None:
    ines = _user(world, "ines")
    page = admin.post(f"/admin/users/{ines.id}", _edit_form(world, "ines", institution=""))
    assert page.status_code == 422 and 'id="institution-error"' in page.text
    kept = admin.post(f"/admin/users/{ines.id}", _edit_form(world, "ines", institution="PT-IPVN"))
    assert kept.status_code == 303


def test_deactivating_signs_the_person_out_and_reactivating_lets_them_back(
    admin: WebUser, world: World, web: Web
) -> None:
    lucia = web("lucia")
    assert lucia.get("/").status_code == 200
    user_id = _user(world, "lucia").id
    done = admin.post(f"/admin/users/{user_id}/deactivate")
    assert done.headers["location"] == f"/admin/users/{user_id}?done=deactivated"
    assert lucia.get("/").status_code == 303  # her open session ended
    assert "deactivated" in admin.get(f"/admin/users/{user_id}").text
    assert not _user(world, "lucia").is_active
    admin.post(f"/admin/users/{user_id}/reactivate")
    assert _user(world, "lucia").is_active
    with world.db.session() as session:
        actions = session.exec(
            select(AuditEntry.action)
            .where(AuditEntry.entity_id == str(user_id))
            .order_by(col(AuditEntry.id))
        ).all()
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]


def test_an_admin_cannot_lock_themselves_out(admin: WebUser, world: World) -> None:
    ada = _user(world, "ada")
    refused = admin.post(f"/admin/users/{ada.id}/deactivate")
    assert refused.status_code == 403 and "your own account" in refused.text
    page = admin.post(f"/admin/users/{ada.id}", _edit_form(world, "ada", roles=["officer"]))
    assert page.status_code == 422 and "cannot remove your own administrator role" in page.text
    assert _user(world, "ada").is_active and _roles(world, "ada") == ["admin"]
    assert "You cannot deactivate your own account." in admin.get(f"/admin/users/{ada.id}").text


def test_a_new_link_replaces_the_old_one(admin: WebUser, world: World) -> None:
    user_id = _user(world, "lucia").id
    first_page = admin.post(f"/admin/users/{user_id}/link").text
    second_page = admin.post(f"/admin/users/{user_id}/link").text
    old = re.search(r'value="http://testserver(/invite/[^"]+)"', first_page)
    new = re.search(r'value="http://testserver(/invite/[^"]+)"', second_page)
    assert old and new and old.group(1) != new.group(1)
    assert "invitation link" in second_page and "An unused invite link" in second_page
    assert admin.client.get(old.group(1)).status_code == 410
    assert admin.client.get(new.group(1)).status_code == 200


def test_a_new_link_is_shown_once_and_never_stored_in_the_cookie(
    admin: WebUser, world: World
) -> None:
    """The link used to wait in the session cookie (signed, not encrypted: readable base64)
    for the next page view; anyone who saw the cookie could take over the account."""
    user_id = _user(world, "lucia").id
    issued = admin.post(f"/admin/users/{user_id}/link")
    cookies = [
        header.split("=", 1)[1].split(";")[0] for header in issued.headers.get_list("set-cookie")
    ]
    for cookie in [*cookies, admin.client.cookies["qa_session"]]:
        assert "/invite/" not in session_cookie_contents(cookie)
    link = re.search(r'value="http://testserver/invite/([^"]+)"', issued.text)
    assert issued.status_code == 200 and link and "shown only once" in issued.text
    assert issued.headers["cache-control"] == "no-store"
    token = link.group(1)
    for cookie in [*cookies, admin.client.cookies["qa_session"]]:
        assert token not in session_cookie_contents(cookie)
    assert token not in admin.get(f"/admin/users/{user_id}").text  # shown once
    assert admin.client.get(f"/invite/{token}").status_code == 200  # and it works


@pytest.mark.parametrize("who", ["aoife", "ines", "lucia"])
def test_only_admins_reach_the_admin_pages(world: World, web: Web, who: str) -> None:
    other = _user(world, "soren").id
    client = web(who)
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{other}"):
        assert client.get(path).status_code == 403, path
    for path in (
        "/admin/users/new",
        f"/admin/users/{other}",
        f"/admin/users/{other}/deactivate",
        f"/admin/users/{other}/reactivate",
        f"/admin/users/{other}/link",
    ):
        assert client.post(path, {"email": "x@example.org", "roles": ["admin"]}).status_code == 403
    assert _user(world, "soren").is_active and _roles(world, "soren") == ["reviewer"]
