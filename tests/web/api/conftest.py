"""API fixtures: the app, a token per user of the test world, and a decided file."""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from qa.config import Settings
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.export.pack import PackFilter
from qa.export.pack_jobs import request_pack
from qa.persistence.db import Database
from qa.persistence.models import User, UserRole
from qa.services.decisions.decisions import ConditionInput, sign_off
from qa.services.people.api_tokens import create_token, user_id_of
from qa.services.people.institutions import add_institution
from qa.services.people.users import add_user
from qa.services.submissions.descriptor_drafts import start
from qa.web.app import create_app
from tests.clock import TODAY
from tests.conftest import GOOD_DESCRIPTOR, _truncate_all
from tests.world import World, build_world

OPERATOR = Actor.cli("tests")


def token_for(db: Database, username: str, name: str = "tests") -> str:
    return create_token(db, OPERATOR, user_id_of(db, username), name).secret


def add_people(world: World) -> None:
    """An agency auditor, an administrator and a provider of another institution."""
    world.add_agency_user("greta", "EU-AGENCY")
    add_user(
        world.db,
        OPERATOR,
        username="root",
        email="root@example.org",
        display_name="Root Admin",
        roles=["admin"],
    )
    add_institution(world.db, OPERATOR, code="ES-OTHER", name="Otra Universidad", country="ES")
    add_user(
        world.db,
        OPERATOR,
        username="pablo",
        email="pablo@example.org",
        display_name="Pablo Other",
        roles=["provider"],
        institution_code="ES-OTHER",
    )


def numbered(good: dict[str, Any], number: int, title: str) -> dict[str, Any]:
    descriptor = copy.deepcopy(good)
    descriptor["external_id"] = f"IPVN-API-{number:03d}"
    descriptor["title"] = title
    return descriptor


def decide(world: World, submission_id: int, decision: str, **extra: Any) -> None:
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision=decision,
        rationale="The panel's reasons are recorded in the reviews; Agnieszka agreed.",
        today=world.today,
        **extra,
    )


def decided_file(world: World, good: dict[str, Any], number: int = 90) -> int:
    """A file approved with one condition (EQF 6: DEQAR takes it)."""
    submission_id = world.to_sign_off(numbered(good, number, "Decided Robotics"))
    condition = ConditionInput(
        "Publish the exam regulations", "Programme director", world.today + timedelta(days=90)
    )
    decide(world, submission_id, "approved_with_conditions", conditions=[condition])
    return submission_id


@pytest.fixture
def api_app(world: World, tmp_path: Path) -> Starlette:
    add_people(world)
    return create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=world.db)


class Api:
    """A client for one token (or none): `api.get("/me")` is GET /api/v1/me."""

    def __init__(self, client: TestClient, token: str | None) -> None:
        self.client, self.token = client, token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        found = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return found | (extra or {})

    def get(self, path: str, **extra: str) -> httpx.Response:
        return self.client.get(f"/api/v1{path}", headers=self.headers(extra))

    def post(self, path: str, body: Any = None, **extra: str) -> httpx.Response:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.headers(extra))

    def put(self, path: str, body: Any = None, **extra: str) -> httpx.Response:
        return self.client.put(f"/api/v1{path}", json=body, headers=self.headers(extra))


@pytest.fixture
def client(api_app: Starlette) -> Iterator[TestClient]:
    with TestClient(api_app, base_url="http://testserver") as found:
        yield found


@pytest.fixture
def api(client: TestClient, world: World) -> Any:
    """`api("ines")` is a client with a fresh token of that user; `api(None)` has none."""

    def as_user(username: str | None) -> Api:
        return Api(client, token_for(world.db, username) if username else None)

    return as_user


# -- one scene per module: files in several stages, packs of two agencies, a token each ---------

PRINCIPALS = ("ines", "pablo", "agnieszka", "zoe", "aoife", "greta", "hanna", "root")


@dataclass(repr=False)
class Scene:
    world: World
    ids: dict[str, int]
    packs: dict[str, int]
    tokens: dict[str, str]
    app: Starlette
    client: TestClient

    def __repr__(self) -> str:
        return f"Scene({self.ids}, packs={self.packs})"

    def as_user(self, username: str | None) -> Api:
        return Api(self.client, self.tokens[username] if username else None)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def scene_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """As the `db` fixture (SQLite and PostgreSQL), once for the whole module."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("api-scene") / "qa.sqlite3"
        shutil.copyfile(template, path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        _truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def scene(scene_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    world = build_world(scene_db, TODAY)
    add_people(world)
    world.add_agency_user("hanna", "OTHER-AGENCY")
    good = copy.deepcopy(GOOD_DESCRIPTOR)
    ids = {
        "draft": _draft(world, "ines", numbered(good, 1, "Draft Botany")),
        "peer_review": world.to_peer_review(numbered(good, 2, "Reviewed Geology")),
        "decided": decided_file(world, good, 3),
        "foreign": _draft(world, "pablo", numbered(good, 4, "Otra cosa")),
    }
    # a reviewer on no panel (added after the panels were chosen)
    add_user(
        world.db,
        OPERATOR,
        username="zoe",
        email="zoe@example.org",
        display_name="Zoe Unassigned",
        roles=["reviewer"],
        expertise=["0111"],
        panel_role="learner",
    )
    period = PackFilter(world.today, world.today)
    packs = {}
    for username in ("greta", "hanna"):
        agency = _actor(world, username)
        created = request_pack(world.db, agency, period)
        assert created.id is not None
        packs[username] = created.id
    tokens = {username: token_for(world.db, username) for username in PRINCIPALS}
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path_factory.mktemp("api-data"))})
    app = create_app(settings, db=world.db)
    with TestClient(app, base_url="http://testserver") as client:
        yield Scene(world, ids, packs, tokens, app, client)


def _actor(world: World, username: str) -> Actor:
    with world.db.session() as session:
        user = session.exec(select(User).where(col(User.username) == username)).one()
        roles = session.exec(select(UserRole.role).where(col(UserRole.user_id) == user.id)).all()
    return Actor(username, user.id, frozenset(Role(r) for r in roles), user.institution_id)


def _draft(world: World, username: str, raw: dict[str, Any]) -> int:
    saved = start(world.db, _actor(world, username), raw, today=world.today, submit=False)
    assert saved.submission_id is not None, saved.report
    return saved.submission_id
