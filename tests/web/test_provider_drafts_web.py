"""Drafts on the web: a deleted draft leaves every list and is named as deleted, not withdrawn."""

from __future__ import annotations

from typing import Any

from tests.web.test_provider_web import Web, new_draft
from tests.world import World


def test_a_deleted_draft_leaves_every_list_and_reads_as_deleted_not_withdrawn(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    ines = web("ines")
    draft = new_draft(ines, good_descriptor | {"title": "A draft to throw away"})
    assert "A draft to throw away" in ines.get("/").text
    deleted = ines.post(f"/submissions/{draft}/withdraw", {"version": 1, "confirm": "yes"})
    assert deleted.status_code == 303 and world.stage(draft) == "withdrawn"
    assert "A draft to throw away" not in ines.get("/").text  # gone from the provider's list
    page = ines.get(f"/submissions/{draft}?done=deleted").text  # its own page names it
    assert "Deleted draft" in page and "Draft deleted" in page
    assert "Withdrawn" not in page
    officer = web("aoife")
    assert "A draft to throw away" not in officer.get("/").text
    assert "A draft to throw away" not in officer.get("/officer").text
    assert "A draft to throw away" not in officer.get("/officer?stage=withdrawn").text
    # a file withdrawn once under review keeps its name
    submitted = world.submit(good_descriptor | {"external_id": "WD-3", "title": "Cancelled"})
    world.route()
    version = world.submission(submitted).version
    reason = {"version": version, "reason": "Course cancelled", "confirm": "yes"}
    ines.post(f"/submissions/{submitted}/withdraw", reason)
    assert "Cancelled" in ines.get("/").text
    assert "Withdrawn" in ines.get(f"/submissions/{submitted}").text
    assert "Cancelled" in officer.get("/officer?stage=withdrawn").text
