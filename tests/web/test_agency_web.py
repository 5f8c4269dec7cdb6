"""The agency page: decided files only, filters with and without htmx, no reviewer names."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from qa.domain.actor import Actor
from qa.services.decisions.decisions import sign_off
from qa.services.people.users import add_user
from tests.clock import now
from tests.web.conftest import WebUser
from tests.world import World

Web = Callable[[str], WebUser]
REVIEWER_NAMES = ("Agnieszka", "Soren", "Lucia", "agnieszka", "soren", "lucia")


@dataclass(frozen=True)
class Files:
    approved: int
    rejected: int
    waiting: int


def _descriptor(good: dict[str, Any], number: int, title: str) -> dict[str, Any]:
    descriptor = copy.deepcopy(good)
    descriptor["external_id"] = f"IPVN-MC-2027-{number:03d}"
    descriptor["title"] = title
    return descriptor


def _decide(world: World, submission_id: int, decision: str, rationale: str | None) -> None:
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision=decision,
        rationale=rationale,
        today=world.today,
    )


@pytest.fixture
def files(world: World, good_descriptor: dict[str, Any]) -> Files:
    approved = world.to_sign_off(_descriptor(good_descriptor, 1, "Applied Data Analysis"))
    rejected = world.to_sign_off(_descriptor(good_descriptor, 2, "Cloud Security Basics"))
    waiting = world.to_sign_off(_descriptor(good_descriptor, 3, "Still Waiting For Sign-off"))
    _decide(world, approved, "approved", None)
    _decide(world, rejected, "rejected", "The assessment does not test the stated outcomes.")
    for username, roles in (("agency1", ["agency"]), ("admin1", ["admin"])):
        add_user(
            world.db,
            Actor.cli("tests"),
            username=username,
            email=f"{username}@example.org",
            display_name=username.title(),
            roles=roles,
        )
    return Files(approved, rejected, waiting)


def test_the_agency_sees_decided_files_only_without_reviewer_names(
    files: Files, web: Web, world: World
) -> None:
    page = web("agency1").get("/agency")
    assert page.status_code == 200
    text = page.text
    assert "Applied Data Analysis" in text and "Cloud Security Basics" in text
    assert "Still Waiting" not in text
    assert f'href="/submissions/{files.approved}"' in text
    assert f'href="/submissions/{files.rejected}"' in text
    assert '<span class="tag ok">Approved</span>' in text
    assert '<span class="tag bad">Rejected</span>' in text
    today = world.today.isoformat()
    assert f"{today} to " in text  # the approval's validity starts on the day of decision
    assert "No audit packs have been built yet" in text
    for name in (*REVIEWER_NAMES, "Aoife", "aoife"):
        assert name not in text, name
    assert "2 decided micro-credentials" in text


def test_filters_narrow_the_list_with_and_without_htmx(files: Files, web: Web) -> None:
    agency = web("agency1")
    today = now().date()
    rejected = agency.get("/agency?decision=rejected", htmx=True)
    assert rejected.status_code == 200 and "<html" not in rejected.text
    assert "Cloud Security Basics" in rejected.text and "Applied Data" not in rejected.text
    assert "HX-Request" in rejected.headers["vary"]
    full = agency.get("/agency?decision=approved&provider=PT-IPVN")
    assert "<html" in full.text and "Applied Data Analysis" in full.text
    assert "Cloud Security" not in full.text
    assert '<option value="approved" selected>' in full.text
    assert '<option value="PT-IPVN" selected>' in full.text
    within = agency.get(f"/agency?date_from={today}&date_to={today}", htmx=True)
    assert "2 decided micro-credentials matching the filters" in within.text
    later = agency.get(f"/agency?date_from={today + timedelta(days=1)}", htmx=True)
    assert "0 decided micro-credentials" in later.text and "No decided" in later.text
    earlier = agency.get(f"/agency?date_to={today - timedelta(days=1)}")
    assert "Applied Data" not in earlier.text and "Cloud Security" not in earlier.text
    other = agency.get("/agency?provider=XX-NONE", htmx=True)
    assert "0 decided" in other.text


def test_a_filter_that_cannot_be_read_is_explained(files: Files, web: Web) -> None:
    page = web("agency1").get("/agency?date_from=31/12/2026&decision=maybe")
    assert page.status_code == 200
    assert "Choose a date in the calendar." in page.text and 'href="#date_from"' in page.text
    assert "Choose a decision from the list." in page.text
    assert 'id="date_from"' in page.text and 'aria-invalid="true"' in page.text
    assert "2 decided micro-credentials" in page.text  # the other filters still apply


def test_officers_and_admins_see_the_agency_page(files: Files, web: Web) -> None:
    for who in ("aoife", "admin1"):
        page = web(who).get("/agency")
        assert page.status_code == 200 and "Applied Data Analysis" in page.text, who


@pytest.mark.parametrize("who", ["ines", "agnieszka"])
def test_providers_and_reviewers_are_refused(web: Web, who: str) -> None:
    client = web(who)
    assert client.get("/agency").status_code == 403
    assert client.get("/agency?decision=approved", htmx=True).status_code == 403
