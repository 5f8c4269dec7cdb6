"""The attacks of the hostile probe, one by one: each answer is a clear refusal and nothing
already saved changes (the sweep in test_hostile_input.py covers every route)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from qa.domain import bounds
from qa.persistence.models import User
from qa.web.params import DatabaseId
from tests.web.conftest import WebUser
from tests.world import World

Web = Callable[[str], WebUser]
BEYOND_POSTGRES = str(2**31)
BEYOND_SQLITE = str(2**63)


def test_the_id_convertor_matches_exactly_the_numbers_a_row_can_have() -> None:
    matches = re.compile(f"^{DatabaseId.regex}$").match
    for number in (0, 7, 10, 999_999_999, 1_999_999_999, 2_147_483_639, bounds.MAX_INTEGER):
        assert matches(str(number)), number
    assert matches("007")
    for number in (bounds.MAX_INTEGER + 1, 2_147_483_650, 9_999_999_999, 2**63, 10**30):
        assert not matches(str(number)), number


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "whole number"),
        ("-1", "whole number"),
        ("²", "whole number"),  # str.isdigit() says yes, int() says no
        (BEYOND_POSTGRES, "at most 2,147,483,647"),
        ("1" * 5000, "at most"),  # int() refuses more than 4,300 digits
    ],
)
def test_a_whole_number_out_of_range_says_why(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        bounds.whole_number(text)


def test_dates_are_bounded_and_control_characters_named() -> None:
    assert bounds.calendar_day(" 2027-03-01 ").isoformat() == "2027-03-01"
    for far in ("9999-12-31", "0001-01-01"):
        with pytest.raises(bounds.OutOfRange, match="between 1900 and 2199"):
            bounds.calendar_day(far)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        bounds.calendar_day("2026-02-30")
    assert bounds.control_character("a\x00b") == "a NUL byte"
    assert bounds.control_character("line\r\nbreak\tand tab") is None


def test_a_path_id_beyond_the_database_s_integer_is_a_404_page(web: Web, world: World) -> None:
    ines = web("ines")
    for path in (f"/submissions/{BEYOND_POSTGRES}", f"/reviews/{BEYOND_SQLITE}/answer"):
        page = ines.get(path) if "answer" not in path else ines.post(path, {"version": "1"})
        assert page.status_code == 404, path
        assert "There is no page at this address" in page.text and "<html" in page.text
    fragment = ines.get(f"/submissions/{BEYOND_POSTGRES}", htmx=True)
    assert fragment.status_code == 404 and "<html" not in fragment.text
    assert fragment.headers["HX-Retarget"] == "#messages"


def test_a_reviewer_id_beyond_the_database_s_integer_is_refused_by_name(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    panel = len(world.assignments(submission_id))
    officer = web("aoife")
    response = officer.post(
        f"/officer/submissions/{submission_id}/invite", {"reviewer_id": BEYOND_POSTGRES}
    )
    assert response.status_code == 422
    assert "Reviewer to invite (reviewer id): must be at most 2,147,483,647" in response.text
    assert len(world.assignments(submission_id)) == panel
    stale = officer.post(
        f"/officer/submissions/{submission_id}/screen",
        {"version": BEYOND_SQLITE, "outcome": "accept"},
    )
    assert stale.status_code == 422 and "out of date" in stale.text


def test_a_far_away_date_is_a_message_next_to_the_field(web: Web, world: World) -> None:
    officer = web("aoife")
    page = officer.get("/agency?date_to=9999-12-31")
    assert page.status_code == 200
    assert "Give a date between 1900 and 2199." in page.text
    packs = officer.post("/agency/packs", {"date_from": "0001-01-01", "date_to": "2026-12-31"})
    assert packs.status_code == 422
    assert "Decisions from (the first date): must be a date between 1900 and 2199" in packs.text


def test_a_nul_byte_in_a_reason_is_refused_and_nothing_changes(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    invitation = world.panel_member(submission_id, "subject_expert")
    with world.db.session() as session:
        reviewer = web(session.get_one(User, invitation.reviewer_id).username)
    form = {"decline": "1", "version": str(invitation.version), "reason": "Busy\x00; DROP"}
    response = reviewer.post(f"/reviews/{invitation.id}/answer", form)
    assert response.status_code == 422
    assert "The field “reason” contains a NUL byte" in response.text
    assert world.assignment(invitation.id or 0).state == "invited"
    search = web("aoife").get("/officer?q=%1b%5b2J", htmx=True)
    assert search.status_code == 422 and "The field “q” contains an escape character" in search.text
