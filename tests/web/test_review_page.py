"""The reviewer's journey in the web UI: answer, declare, autosave, reload, submit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from qa.config import Settings
from qa.persistence.models import Assignment, User
from qa.services.passwords import hash_password
from qa.web.app import create_app
from tests.world import World

PASSWORD = "correct horse battery"


@pytest.fixture
def reviewer_client(
    world: World, tmp_path: Path, good_descriptor: dict[str, Any]
) -> Iterator[tuple[TestClient, Assignment, World]]:
    submission_id = world.to_peer_review(good_descriptor)
    assignment = world.assignments(submission_id)[0]
    with world.db.write() as session:  # give the invited reviewer a known password
        user = session.get(User, assignment.reviewer_id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)
        session.add(user)
        session.commit()
        username = user.username
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path)})
    with TestClient(create_app(settings, db=world.db)) as client:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        client.post(
            "/login", data={"login": username, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        yield client, assignment, world


def csrf(client: TestClient, path: str) -> str:
    match = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get(path).text)
    assert match
    return match.group(1)


def test_a_reviewer_scores_with_autosave_and_the_scores_survive_a_reload(
    reviewer_client: tuple[TestClient, Assignment, World],
) -> None:
    client, assignment, world = reviewer_client
    path = f"/reviews/{assignment.id}"
    page = client.get(path)
    assert page.status_code == 200 and "Will you review it?" in page.text
    token = csrf(client, path)
    client.post(
        f"{path}/answer", data={"csrf_token": token, "version": assignment.version, "accept": "1"}
    )
    version = world.assignments(assignment.submission_id)[0].version
    early = client.post(
        f"{path}/scores/QUAL-1",
        data={"level-QUAL-1": "2"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert early.status_code == 409 and "conflict-of-interest question" in early.text
    client.post(
        f"{path}/answer", data={"csrf_token": token, "version": version, "conflict": "none"}
    )
    saved = client.post(
        f"{path}/scores/QUAL-1",
        data={"level-QUAL-1": "2", "comment-QUAL-1": "Approval record seen"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert saved.status_code == 200 and 'role="status"' in saved.text and "Saved" in saved.text
    reloaded = client.get(path).text
    assert re.search(r'name="level-QUAL-1" value="2" checked', reloaded)
    assert "Approval record seen" in reloaded and "1 of 43" in reloaded


def test_an_incomplete_review_is_refused_naming_what_is_missing(
    reviewer_client: tuple[TestClient, Assignment, World],
) -> None:
    client, assignment, world = reviewer_client
    path = f"/reviews/{assignment.id}"
    token = csrf(client, path)
    client.post(
        f"{path}/answer", data={"csrf_token": token, "version": assignment.version, "accept": "1"}
    )
    current = world.assignments(assignment.submission_id)[0]
    client.post(
        f"{path}/answer", data={"csrf_token": token, "version": current.version, "conflict": "none"}
    )
    current = world.assignments(assignment.submission_id)[0]
    refused = client.post(
        f"{path}/submit",
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
        data={
            "version": current.version,
            "recommendation": "approved",
            "summary": "A careful summary for the provider.",
        },
    )
    assert refused.status_code == 422
    assert refused.headers["HX-Retarget"] == "#messages"
    assert "43 criteria still need an answer" in refused.text and "<li>QUAL-1</li>" in refused.text


def test_another_reviewer_cannot_open_the_review(
    reviewer_client: tuple[TestClient, Assignment, World],
) -> None:
    client, assignment, world = reviewer_client
    other = world.assignments(assignment.submission_id)[1]
    response = client.get(f"/reviews/{other.id}")
    assert response.status_code == 403 and "assigned to someone else" in response.text
    assert client.get("/reviews/9999").status_code == 404
