"""Pages everyone meets: the sign-in page for a visitor, a failed sign-in, the 404 page,
the favicon, a new reviewer's home, and the header and tables on a 390 px phone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from qa.config import Settings
from qa.domain.actor import Actor
from qa.export.pack import DeqarConfig
from qa.export.pack_jobs import build_next
from qa.persistence.db import Database
from qa.persistence.models import User
from qa.services.people.passwords import hash_password
from qa.services.people.users import add_user
from qa.services.rubrics.rubrics import store_rubric
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.world import World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@pytest.fixture
def world(live_server: str, sqlite_db: Database, today: date) -> World:
    world = build_world(sqlite_db, today)
    newcomer = world.add_reviewer("newcomer", "learner", ["0613"])
    with sqlite_db.write() as session:
        for user_id in (newcomer.user_id, world.provider.user_id):
            user = session.get(User, user_id)
            assert user is not None
            user.password_hash = hash_password(PASSWORD)
            session.add(user)
        session.commit()
    return world


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")


def test_a_visitor_learns_what_this_is_and_a_failed_sign_in_keeps_the_name(
    browser_page: Any, page_errors: list[str], live_server: str, world: World
) -> None:
    page = browser_page
    page.goto(live_server + "/")
    assert "/login" in page.url
    assert "What this is" in page.inner_text("main")
    assert "reviews short courses" in page.inner_text("main")
    icon = page.get_attribute("link[rel=icon]", "href")
    assert icon and page.request.get(icon).status == 200
    page.fill("#login", "newcomer")
    page.fill("#password", "not the password")
    page.keyboard.press("Enter")
    page.wait_for_selector(".error-summary")
    assert page.input_value("#login") == "newcomer"  # only the password is typed again
    assert page.evaluate("document.activeElement.id") == "password"
    assert_accessible(page, "the sign-in page (failed)")
    screenshot(page, "login-failed")

    page.goto(live_server + "/no/such/page")
    assert "Page not found" in page.inner_text("h1")
    assert page.locator("header.bar .brand").count() == 1
    assert_accessible(page, "the 404 page")
    screenshot(page, "not-found")
    assert [e for e in page_errors if "status of 4" not in e] == []


def test_a_new_reviewer_is_told_what_to_expect_and_the_phone_layout_fits(
    browser_page: Any,
    page_errors: list[str],
    live_server: str,
    world: World,
    good_descriptor: dict[str, Any],
) -> None:
    page = browser_page
    world.to_peer_review(good_descriptor)  # agnieszka has an invitation on her home page
    with world.db.write() as session:
        invited = session.exec(select(User).where(User.username == "agnieszka")).one()
        invited.password_hash = hash_password(PASSWORD)
        session.add(invited)
        session.commit()
    sign_in(page, live_server, "newcomer")
    text = page.inner_text("main")
    assert "Nothing here yet" not in text
    assert "You have no review invitations yet" in text and "Declare any conflict" in text
    assert_accessible(page, "a new reviewer's home")
    screenshot(page, "home-new-reviewer")

    page.set_viewport_size({"width": 390, "height": 844})
    for who, path in (("newcomer", "/"), ("ines", "/"), ("agnieszka", "/")):
        if who != "newcomer":
            page.click("button:has-text('Sign out')")
            sign_in(page, live_server, who)
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, f"{who}'s {path} is {overflow} px wide on a 390 px phone"
        header = page.locator("header.bar").bounding_box()
        assert header is not None and header["width"] <= 390
        assert_accessible(page, f"{who}'s home on a phone")
    assert "Review invitations" in page.inner_text("main")
    screenshot(page, "home-phone-reviewer")
    assert page_errors == []


def test_an_agency_asks_for_a_pack_and_learns_how_to_verify_it(
    browser_page: Any, page_errors: list[str], live_server: str, world: World, tmp_path: Path
) -> None:
    page = browser_page
    auditor = world.add_agency_user("auditor", "AG-TEST")
    with world.db.write() as session:
        user = session.get(User, auditor.user_id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)
        session.add(user)
        session.commit()
    sign_in(page, live_server, "auditor")
    page.goto(live_server + "/agency")
    text = page.inner_text("main")
    for repository_talk in ("docs/", "qa audit", "verify-pack", ".md"):
        assert repository_talk not in text
    page.click("#pack_from")  # the last month is filled in: build it
    with page.expect_navigation():
        page.click("button:has-text('Build audit pack')")
    assert "Your audit pack is queued" in page.inner_text("#pack-requested")
    assert_accessible(page, "the agency page (pack queued)")
    packs_dir = Settings.from_env({"QA_DATA_DIR": str(tmp_path)}).packs_dir
    assert build_next(world.db, packs_dir, DeqarConfig()) is not None
    page.locator("#pack-list", has_text="empty").wait_for(timeout=10000)  # no decision then
    assert "No decision in this period" in page.inner_text("#pack-list")

    page.goto(live_server + "/agency/packs")  # opened directly: the whole page
    assert page.locator("header.bar").count() == 1 and "Audit packs" in page.inner_text("main")
    page.click("a:has-text('How to verify a pack')")
    page.wait_for_url(live_server + "/agency/verify")
    assert "How to verify an audit pack" in page.inner_text("h1")
    assert "BEGIN PUBLIC KEY" in page.input_value("#office-key-pem")
    assert len(page.inner_text("#key-fingerprint")) >= 16
    assert_accessible(page, "how to verify a pack")
    screenshot(page, "agency-verify")
    assert page_errors == []


def test_an_admin_filters_people_copies_a_link_and_reads_rubrics_and_settings(
    browser_page: Any, page_errors: list[str], live_server: str, world: World
) -> None:
    page = browser_page
    add_user(
        world.db,
        Actor.cli("tests"),
        username="ada",
        email="ada@example.org",
        display_name="Ada",
        roles=["admin"],
        password=PASSWORD,
    )
    first, *rest = world.rubric.criteria
    changed = replace(first, title=first.title + " (revised)")
    revised = replace(world.rubric, version="9.9", criteria=(changed, *rest[:-1]))
    store_rubric(world.db, Actor.cli("tests"), revised, "revised.toml")
    sign_in(page, live_server, "ada")

    page.goto(live_server + "/admin/users")
    with page.expect_response(lambda r: "/admin/users?" in r.url):
        page.select_option("#role", "reviewer")
    page.locator("#users caption", has_text="with the role Reviewer").wait_for()
    assert "Newcomer" in page.inner_text("#users") and "Ada" not in page.inner_text("#users")
    assert_accessible(page, "the users page filtered by role")
    page.click("#users a:has-text('Newcomer')")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    with page.expect_navigation():
        page.click("button:has-text('Issue a new')")
    page.click("button:has-text('Copy the link')")
    page.locator("[data-copy-status]", has_text="Copied").wait_for()
    link = page.input_value("#issued-link")
    assert page.evaluate("navigator.clipboard.readText()") == link

    page.click("nav[aria-label=Main] >> text=Rubrics")
    rows = page.locator("tbody tr[id^=version-]")
    assert rows.count() == 2 and "active" in rows.first.inner_text()
    with page.expect_navigation():
        page.click("button:has-text('Compare')")
    diff = page.inner_text(".changes")
    assert f"changed {first.id}" in diff and "title" in diff and f"removed {rest[-1].id}" in diff
    assert_accessible(page, "the rubrics page")
    screenshot(page, "admin-rubrics")

    page.click("nav[aria-label=Main] >> text=Settings")
    text = page.inner_text("main")
    assert "Reviews required" in text and "QA_REQUIRED_REVIEWS" in text
    assert_accessible(page, "the settings page")
    screenshot(page, "admin-settings")
    assert page_errors == []
