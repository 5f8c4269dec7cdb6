"""API tokens: stored hashed, shown once, scoped to the user's roles, revocable, audited; a
cookie never authenticates an API call, and the API path needs no CSRF token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.errors import NotAllowed
from qa.persistence.models import ApiToken, AuditEntry, User
from qa.services.people.account_settings import FieldErrors
from qa.services.people.api_tokens import create_token, list_tokens, revoke_token, user_id_of
from qa.services.people.user_admin import set_active
from tests.web.api.conftest import OPERATOR, Api
from tests.web.conftest import WebUser
from tests.world import World


def _actions(world: World) -> list[str]:
    with world.db.session() as session:
        return list(session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))


def test_a_token_is_stored_hashed_acts_as_its_user_and_is_audited(api: Any, world: World) -> None:
    ines = user_id_of(world.db, "ines")
    new = create_token(world.db, OPERATOR, ines, "  Registry sync  ")
    assert new.secret.startswith("qa_") and new.view.name == "Registry sync"
    assert new.view.prefix == new.secret[:10]
    with world.db.session() as session:
        stored = session.exec(select(ApiToken)).one()
    assert new.secret not in str(stored.model_dump())  # only its SHA-256
    assert "api_token.created" in _actions(world)
    me = Api(api(None).client, new.secret).get("/me")
    assert me.status_code == 200, me.text
    assert me.json() == {
        "id": ines,
        "display_name": "Inês Araújo",
        "roles": ["provider"],
        "institution_id": world.provider.institution_id,
    }
    assert list_tokens(world.db, OPERATOR, ines)[0].last_used_at is not None


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_once(api: Any, world: World) -> None:
    ines = user_id_of(world.db, "ines")
    first = create_token(world.db, OPERATOR, ines, "one")
    second = create_token(world.db, OPERATOR, ines, "two")
    client = api(None).client
    assert Api(client, first.secret).get("/me").status_code == 200
    revoke_token(world.db, OPERATOR, first.view.id)
    refused = Api(client, first.secret).get("/me")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert _actions(world).count("api_token.revoked") == 1
    revoke_token(world.db, OPERATOR, first.view.id)  # again: nothing changes, no new entry
    assert _actions(world).count("api_token.revoked") == 1
    set_active(world.db, OPERATOR, ines, active=False)
    assert Api(client, second.secret).get("/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["", "Bearer", "Bearer ", "Basic qa_abc", "Bearer qa_unknown", "Bearer " + "x" * 5000],
)
def test_missing_or_wrong_credentials_are_401_problems(api: Any, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    response = api(None).client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401 and "Bearer" in response.headers["www-authenticate"]


def test_only_the_owner_or_an_administrator_manages_a_token(world: World, api: Any) -> None:
    ines, soren = user_id_of(world.db, "ines"), user_id_of(world.db, "soren")
    mine = create_token(world.db, OPERATOR, ines, "mine")
    with pytest.raises(NotAllowed):
        revoke_token(world.db, world.reviewers[1], mine.view.id)
    with pytest.raises(NotAllowed):
        create_token(world.db, world.reviewers[1], ines, "for someone else")
    with pytest.raises(NotAllowed):
        list_tokens(world.db, world.reviewers[1], ines)
    assert create_token(world.db, world.reviewers[1], soren, "own").view.name == "own"


@pytest.mark.parametrize(
    ("name", "says"),
    [("", "Give the token a name"), ("x" * 101, "at most 100"), ("a\x00b", "NUL"), (7, "name")],
)
def test_a_bad_name_is_refused_naming_the_field(world: World, name: object, says: str) -> None:
    with pytest.raises(FieldErrors) as refused:
        create_token(world.db, OPERATOR, user_id_of(world.db, "ines"), name)
    assert list(refused.value.fields) == ["name"] and says in refused.value.fields["name"]
    with world.db.session() as session:
        assert session.exec(select(ApiToken)).first() is None


def test_a_session_cookie_never_authenticates_an_api_call(web: Callable[[str], WebUser]) -> None:
    ines = web("ines")
    assert ines.get("/account").status_code == 200  # signed in on the web
    refused = ines.get("/api/v1/me")
    assert refused.status_code == 401 and "set-cookie" not in refused.headers
    # with the cookie and the session's CSRF token: still no bearer token, still refused
    response = ines.client.post(
        "/api/v1/submissions", json={}, headers={"X-CSRF-Token": ines.token}
    )
    assert response.status_code == 401
    bare = ines.client.post("/api/v1/packs", json={})  # neither a token nor a CSRF token
    assert bare.status_code == 401 and bare.headers["content-type"] == "application/problem+json"
    assert "Bearer" in bare.headers["www-authenticate"]


def test_api_calls_need_no_csrf_token_and_pages_still_do(api: Any, world: World) -> None:
    ines = api("ines")
    created = ines.post("/submissions", {"title": "x"})
    assert created.status_code == 422  # reached the API (validation), not the CSRF refusal
    refused = ines.client.post("/account/tokens", data={"token_name": "x"}, headers=ines.headers())
    assert refused.status_code == 403  # a page: the bearer header does not lift CSRF there


def test_the_account_page_creates_a_token_shows_it_once_and_revokes_it(
    web: Callable[[str], WebUser], world: World
) -> None:
    ines = web("ines")
    created = ines.post("/account/tokens", {"token_name": "Registry sync"})
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    token = created.text.split('<code id="new-token">')[1].split("</code>")[0]
    assert token.startswith("qa_")
    page = ines.get("/account").text
    assert "Registry sync" in page and token not in page and token[:10] in page
    refused = ines.post("/account/tokens", {"token_name": ""})
    assert refused.status_code == 422 and "Give the token a name" in refused.text
    with world.db.session() as session:
        row = session.exec(select(ApiToken)).one()
        owner = session.get(User, row.user_id)
    assert owner is not None and owner.username == "ines"
    assert ines.post(f"/account/tokens/{row.id}/revoke").status_code == 303
    assert "revoked" in ines.get("/account").text
    assert "api_token.revoked" in _actions(world)
    someone = web("soren")
    assert someone.post(f"/account/tokens/{row.id}/revoke").status_code == 403
    assert someone.post("/account/tokens/99999999999999999999/revoke").status_code == 404
