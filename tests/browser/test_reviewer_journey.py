"""A reviewer in a real browser: sign in, accept, declare no conflict, autosave, reload."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from qa.persistence.db import Database
from qa.persistence.models import User
from qa.services.passwords import hash_password
from tests.browser.conftest import screenshot
from tests.world import build_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_reviewer_scores_with_autosave_in_a_browser(
    browser_page: Any,
    live_server: str,
    sqlite_db: Database,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    world = build_world(sqlite_db, today)
    submission_id = world.to_peer_review(good_descriptor)
    assignment = world.assignments(submission_id)[0]
    with sqlite_db.write() as session:
        user = session.get(User, assignment.reviewer_id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)
        session.add(user)
        session.commit()
        username = user.username
    page = browser_page
    page.goto(f"{live_server}/reviews/{assignment.id}")
    assert "/login" in page.url  # sign in first, then come back here
    screenshot(page, "login")
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/reviews/{assignment.id}")
    page.click("text=Accept")
    page.check("input[name=conflict][value=none]")
    page.click("text=Answer")
    page.wait_for_selector("input[name='level-QUAL-1']:not([disabled])")
    page.keyboard.press("Tab")  # keyboard-only: focus moves through the page
    page.check("input[name='level-QUAL-1'][value='2']")
    page.wait_for_selector("fieldset:has(input[name='level-QUAL-1']) .saved:has-text('Saved ')")
    page.fill("#comment-QUAL-1", "Approval record of 2026-05-04 seen.")
    page.locator("#comment-QUAL-1").blur()
    page.wait_for_timeout(300)
    screenshot(page, "review-scoring")
    page.reload()
    assert page.is_checked("input[name='level-QUAL-1'][value='2']")
    assert page.input_value("#comment-QUAL-1") == "Approval record of 2026-05-04 seen."
    assert "1 of 43" in page.inner_text("h2:has-text('Scores')")
