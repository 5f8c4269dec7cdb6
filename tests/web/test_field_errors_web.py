"""A refused form names the field, in the words its form shows, and says why; nothing changes.

The hostile fuzz test (tests/hostile/test_web_forms_fuzz.py) measures this over every form;
these are its most common cases, one by one: a damaged version, a number that is not one, a
date that is not one or out of range, a choice the form does not offer, a text over its limit
and a control character in a field's value or in its name.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import select
from sqlmodel import SQLModel

from tests.web.conftest import WebUser
from tests.web.test_review_page import SUMMARY, Review, review
from tests.world import World

Web = Callable[[str], WebUser]
KEPT = ("web_session", "sign_in_attempt")  # written on every request by design
__all__ = ["review"]  # the reviewer's invitation and signed-in client


def rows(world: World) -> list[tuple[str, tuple[Any, ...]]]:
    """Every row of every table but the sessions' (nothing else may change on a refusal)."""
    found: list[tuple[str, tuple[Any, ...]]] = []
    with world.db.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in KEPT:
                found += [(table.name, tuple(r)) for r in session.execute(select(table)).all()]
    return sorted(found, key=repr)


def said(response: httpx.Response) -> str:
    """The error summary's text, as the user reads it."""
    found = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', response.text, re.S)
    assert found, response.text[:500]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def refused(world: World, user: WebUser, path: str, form: dict[str, Any]) -> str:
    """What `user` posting `form` to `path` is told; it was a 422 and no row changed."""
    before = rows(world)
    response = user.post(path, form)
    assert response.status_code == 422, response.text[:500]
    assert rows(world) == before
    return said(response)


def test_a_version_that_is_not_a_number_names_the_hidden_field(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    officer = web("aoife")
    path = f"/officer/assignments/{first.id}/cancel"
    for version, why in (("abc", "must be a whole number"), ("", "is missing")):
        form = {"version": version, "reason": "The reviewer left the university."}
        message = refused(world, officer, path, form)
        assert f"The page's version (a hidden field) {why}" in message
        assert "reload it and try again" in message
    assert world.assignment(first.id or 0).state == first.state


def test_a_number_field_that_is_not_a_number_names_its_label(web: Web, world: World) -> None:
    reviewer = web("lucia")
    form = {"institution_id": "the polytechnic", "reason": "I taught there until last year."}
    message = refused(world, reviewer, "/profile/conflicts", form)
    assert message == "Provider (the institution chosen): must be a whole number."


def test_a_bad_date_names_the_date_field_and_says_why(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    officer = web("aoife")
    path = f"/officer/assignments/{first.id}/due-date"
    cases = {
        "2026-02-30": "New review date (due date): '2026-02-30' is not a date; choose one in "
        "the calendar (or write it as YYYY-MM-DD).",
        "9999-12-31": "New review date (due date): must be a date between 1900 and 2199, not "
        "'9999-12-31'.",
        "": "New review date (due date): is missing; choose a date in the calendar.",
    }
    for due, expected in cases.items():
        form = {"version": first.version, "due": due, "reason": "Travelling this week"}
        assert refused(world, officer, path, form) == expected
    far = (world.today + timedelta(days=400)).isoformat()
    form = {"version": first.version, "due": far, "reason": "Travelling this week"}
    message = refused(world, officer, path, form)
    assert message == "New due date: choose a date at most 180 days ahead."
    assert world.assignment(first.id or 0).respond_by == first.respond_by


def test_an_unknown_choice_names_the_field_and_lists_its_choices(review: Review, web: Web) -> None:
    review.ready()
    wanted = (review.row.review_by or review.world.today) + timedelta(days=14)
    asked = review.user.post(
        f"{review.path}/extension", {"due": wanted.isoformat(), "reason": "Marking season."}
    )
    assert asked.status_code == 303
    officer = web("aoife")
    panel = officer.get(f"/officer/submissions/{review.row.submission_id}").text
    request_id = re.search(r'action="/officer/extensions/(\d+)"', panel)
    assert request_id is not None
    path = f"/officer/extensions/{request_id.group(1)}"
    message = refused(review.world, officer, path, {"decision": "maybe"})
    assert message == "Decision: that is not one of its choices; choose “Grant” or “Decline”."
    message = refused(review.world, officer, path, {})
    assert message == "Decision: nothing was chosen; choose “Grant” or “Decline”."

    state = review.row.state
    form = {"version": review.row.version, "recommendation": "approve!", "summary": SUMMARY}
    message = refused(review.world, review.user, f"{review.path}/submit", form)
    assert "Your recommendation: that is not one of its choices; choose “Approve”, " in message
    assert review.row.state == state


def test_an_over_long_text_names_the_field_and_its_limit(review: Review) -> None:
    review.ready()
    state = review.row.state
    form = {"version": review.row.version, "recommendation": "approved", "summary": "x" * 6000}
    message = refused(review.world, review.user, f"{review.path}/submit", form)
    assert (
        "Summary for the provider: too long (6,000 characters); keep it to at most 5,000" in message
    )
    assert review.row.state == state


def test_control_characters_name_each_field_even_one_whose_name_holds_them(
    review: Review,
) -> None:
    path = f"{review.path}/answer"
    version = str(review.row.version)
    form = {"decline": "1", "version": version, "reason": "Busy", "x\x13y": "1"}
    message = refused(review.world, review.user, path, form)
    assert message == (
        "The field “x␓y”, which is not on this form, has a control character (U+0013) in its "
        "name (shown as a symbol); remove the field and try again."
    )
    form = {
        "decline": "1",
        "version": version,
        "reason": "Busy\x1b",
        "details": "a\x00",
        "\x7f": "",
    }
    message = refused(review.world, review.user, path, form)
    assert message.startswith("3 fields hold characters that cannot be saved;")
    assert "the field “reason” contains an escape character" in message
    assert "the field “details” contains a NUL byte" in message
    assert message.index("“details”") < message.index("“␡”, which is not on this form")
    assert review.row.state == "invited"
