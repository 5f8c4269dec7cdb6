"""An officer in a real browser: reopen a submitted review with a reason (audited) from the
panel (qa/services/decisions/corrections.py:reopen_review)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, User
from qa.services.people.passwords import hash_password
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.world import build_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


def test_an_officer_reopens_a_submitted_review_with_a_reason(
    browser_page: Any,
    page_errors: list[str],
    live_server: str,
    sqlite_db: Database,
    today: date,
    good_descriptor: dict[str, Any],
) -> None:
    world = build_world(sqlite_db, today)
    submission_id = world.to_peer_review(good_descriptor)
    first = world.round_assignments(submission_id)[0]
    world.review(first)
    with sqlite_db.write() as session:
        officer = session.exec(select(User).where(User.username == "aoife")).one()
        officer.password_hash = hash_password(PASSWORD)
        session.add(officer)
        session.commit()
    page = browser_page
    page.goto(live_server + "/login")
    page.fill("#login", "aoife")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")

    page.goto(live_server + f"/officer/submissions/{submission_id}")
    row = page.locator(f"#assignment-{first.id}")
    assert "Submitted" in row.inner_text()
    row.locator("summary:has-text('Reopen for a correction')").click()
    page.fill(f"#reopen-reason-{first.id}", "QUAL-2 was scored against the wrong record.")
    assert_accessible(page, "the panel with the reopen form open")
    with page.expect_navigation():
        row.locator("button:has-text('Reopen the review')").click()
    assert "Accepted, scoring" in page.locator(f"#assignment-{first.id}").inner_text()
    with sqlite_db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "assignment.reopened")
        ).one()
    assert entry.entity_id == str(first.id)
    screenshot(page, "officer-reopened", full_page=False)
    assert page_errors == []
