"""Pages and API answers that show scores or identities are never stored by a cache."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.api.conftest import decided_file, numbered
from tests.web.conftest import WebUser
from tests.world import World


def test_score_and_identity_pages_and_their_api_answers_say_no_store(
    web: Callable[[str], WebUser], world: World, good_descriptor: dict[str, Any], api: Any
) -> None:
    decided = decided_file(world, good_descriptor)
    under_review = world.to_peer_review(numbered(good_descriptor, 70, "Scored"))
    assignment = world.panel_member(under_review, "subject_expert")
    reviewer = web("agnieszka")
    pages = {
        reviewer: [f"/reviews/{assignment.id}"],
        web("aoife"): [
            "/officer",
            f"/officer/submissions/{under_review}",
            f"/officer/submissions/{decided}",
            f"/submissions/{decided}",
        ],
        web("ines"): [f"/submissions/{decided}"],
    }
    for user, paths in pages.items():
        for path in paths:
            response = user.get(path)
            assert response.status_code == 200, (user.username, path)
            assert response.headers["cache-control"] == "no-store", path
    officer = api("aoife")
    for path in (
        f"/submissions/{decided}",
        f"/submissions/{decided}/decisions",
        "/pipeline",
        "/decisions",
        "/me",
        "/submissions/424242",  # problems too
    ):
        assert officer.get(path).headers["cache-control"] == "no-store", path
