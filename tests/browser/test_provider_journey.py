"""A provider in a real browser: inline checks on the descriptor form, the error summary, the
self-assessment's autosave and progress, the status page; every page audited with axe-core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select

from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, User
from qa.services.decisions.decisions import ConditionInput, sign_off
from qa.services.people.passwords import hash_password
from qa.services.submissions.descriptor_drafts import start
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.world import World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"


@dataclass
class Scene:
    world: World
    submission_id: int  # a file whose self-assessment is open
    url: str


@pytest.fixture
def scene(
    live_server: str, sqlite_db: Database, today: date, good_descriptor: dict[str, Any]
) -> Scene:
    world = build_world(sqlite_db, today)
    submission_id = world.submit(good_descriptor)
    world.route()
    with sqlite_db.write() as session:
        user = session.get(User, world.provider.user_id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)
        session.add(user)
        session.commit()
    return Scene(world, submission_id, live_server)


def unexpected(errors: list[str]) -> list[str]:
    """Console errors, less Chromium's note that a form came back with 422 (as it should).

    Screenshots are taken only where no htmx swap follows on the same page: Playwright leaves
    empty `style` attributes on inputs, which htmx's settle step copies (a CSP report).
    """
    return [error for error in errors if "status of 422" not in error]


def sign_in(page: Any, scene: Scene, path: str) -> None:
    page.goto(scene.url + path)
    page.fill("#login", "ines")
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(scene.url + path)


def test_the_descriptor_form_checks_each_field_and_summarises_errors(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    page = browser_page
    sign_in(page, scene, "/submissions/new")
    assert_accessible(page, "the new descriptor form")

    page.fill("#f-workload_ects", "0,5")
    with page.expect_response(lambda r: r.url.endswith("/validate/workload_ects")):
        page.keyboard.press("Tab")
    page.wait_for_selector("#msg-workload_ects .field-error")
    assert "write it with a decimal point: 0.5" in page.inner_text("#msg-workload_ects")
    assert page.get_attribute("#f-workload_ects", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "f-workload_hours"  # focus stays put

    with page.expect_response(lambda r: r.url.endswith("/validate/qa_type")):
        page.select_option("#f-qa_type", "external")
    page.wait_for_selector("#msg-qa_evidence .field-error")
    assert "needs evidence" in page.inner_text("#msg-qa_evidence")

    page.fill("#f-workload_ects", "5")
    with page.expect_response(lambda r: r.url.endswith("/validate/workload_ects")):
        page.keyboard.press("Tab")
    # locators, not wait_for_function: a string predicate needs 'unsafe-eval' under our CSP
    page.locator("#msg-workload_ects .field-error").wait_for(state="detached")
    assert page.get_attribute("#f-workload_ects", "aria-invalid") is None

    # an incomplete draft is saved; checking it names what is still missing
    page.click("button[name=intent][value=review]")
    page.wait_for_selector(".error-summary")
    assert "Your draft is saved" in page.inner_text(".error-summary")
    assert "Missing: Title of the micro-credential" in page.inner_text(".error-summary")
    assert page.input_value("#f-workload_ects") == "5"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    page.click(".error-summary a[href='#f-title']")
    assert page.evaluate("document.activeElement.id") == "f-title"
    assert_accessible(page, "the descriptor form with errors")
    screenshot(page, "provider-form-errors")
    assert unexpected(page_errors) == []


def test_the_self_assessment_autosaves_and_counts_what_is_done(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    page = browser_page
    path = f"/submissions/{scene.submission_id}/self-assessment"
    sign_in(page, scene, path)
    assert "0 of 43 criteria done" in page.inner_text("#sa-progress")
    assert_accessible(page, "the self-assessment")

    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.check("input[name='level-QUAL-1'][value='2']")
    page.wait_for_selector("#status-QUAL-1 .saved")
    assert "Add evidence" in page.inner_text("#status-QUAL-1")
    page.fill("#evidence-QUAL-1", "QA handbook, p. 12")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.keyboard.press("Tab")
    page.locator("#sa-progress", has_text="1 of 43 criteria done").wait_for()
    assert page.get_attribute("#sa-progress-bar", "value") == "1"
    screenshot(page, "provider-self-assessment")

    page.reload()
    assert page.is_checked("input[name='level-QUAL-1'][value='2']")
    assert page.input_value("#evidence-QUAL-1") == "QA handbook, p. 12"

    page.click("button:has-text('Submit self-assessment')")
    page.wait_for_selector(".error-summary")
    assert "42 criteria still need an answer" in page.inner_text(".error-summary")
    assert_accessible(page, "the self-assessment with missing criteria")

    page.goto(f"{scene.url}/submissions/{scene.submission_id}")
    assert "Complete your self-assessment" in page.inner_text("main")
    assert_accessible(page, "the status page")
    screenshot(page, "provider-status")
    assert unexpected(page_errors) == []


def _decided(world: World, descriptor: dict[str, Any], decision: str) -> int:
    submission_id = world.to_sign_off(descriptor | {"external_id": f"FB-{decision[:6]}"})
    conditions = [
        ConditionInput(
            "Publish the exam regulations", "Exams office", world.today + timedelta(days=60)
        )
    ]
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision=decision,
        rationale="Revise the assessment plan as the reviewers describe per criterion.",
        today=world.today,
        conditions=conditions if decision == "approved_with_conditions" else (),
    )
    world.route()
    return submission_id


def test_a_provider_reads_each_criterion_s_feedback_blind(
    browser_page: Any, page_errors: list[str], scene: Scene, good_descriptor: dict[str, Any]
) -> None:
    page = browser_page
    submission_id = _decided(scene.world, good_descriptor, "revise_and_resubmit")
    sign_in(page, scene, f"/submissions/{submission_id}")
    feedback = page.locator("#feedback-1")
    assert "Feedback per criterion, round 1" in feedback.inner_text()
    page.click("#feedback-1 summary:has-text('Quality')")
    row = page.inner_text("#feedback-1-QUAL-1")
    assert "must pass: passes" in row and "3 — Fully met" in row and "“seen”" in row
    headers = page.locator("#feedback-1 details[open] thead").first.inner_text()
    assert "Reviewer A" in headers and "Reviewer B" in headers and "Consensus" in headers
    text = page.inner_text("main")
    for name in ("Agnieszka", "Soren", "Lucia"):
        assert name not in text  # blind
    assert_accessible(page, "the status page with feedback per criterion")
    screenshot(page, "provider-feedback")
    assert unexpected(page_errors) == []


def test_the_status_page_follows_the_automatic_check_and_a_draft_is_deleted(
    browser_page: Any, page_errors: list[str], scene: Scene, good_descriptor: dict[str, Any]
) -> None:
    page = browser_page
    world = scene.world
    submitted = world.submit(good_descriptor | {"external_id": "LIVE-1"})
    sign_in(page, scene, f"/submissions/{submitted}")
    assert "This page updates by itself" in page.inner_text("main")
    assert_accessible(page, "the status page (automatic check running)")
    world.route()  # the check passes: the page shows it without a reload
    page.locator("main", has_text="Complete your self-assessment").wait_for(timeout=10000)
    assert "This page updates by itself" not in page.inner_text("main")

    page.goto(f"{scene.url}/submissions/new")
    hints = page.inner_text("main")
    for jargon in ("BCP 47", "ISO 3166", "not_applicable", "YYYY-MM-DD"):
        assert jargon not in hints
    assert "two-letter code" in hints and "Choose it in the calendar" in hints

    draft = start(
        world.db,
        world.provider,
        good_descriptor | {"external_id": "DRAFT-9"},
        today=world.today,
        submit=False,
    ).submission_id
    assert draft is not None
    page.goto(f"{scene.url}/submissions/{draft}")
    assert page.locator("main a:has-text('Withdraw')").count() == 0
    page.click("main a:has-text('Delete draft')")
    assert "Delete the draft" in page.inner_text("h1")
    assert_accessible(page, "the delete-draft page")
    screenshot(page, "provider-delete-draft")
    page.check("#confirm")
    page.click("button:has-text('Delete the draft')")
    page.wait_for_url(f"{scene.url}/submissions/{draft}?done=deleted")
    assert "The draft is deleted" in page.inner_text("main")
    assert world.stage(draft) == "withdrawn"
    assert unexpected(page_errors) == []


def test_a_provider_reports_a_condition_as_met_and_the_officer_sees_it(
    browser_page: Any, page_errors: list[str], scene: Scene, good_descriptor: dict[str, Any]
) -> None:
    page = browser_page
    submission_id = _decided(scene.world, good_descriptor, "approved_with_conditions")
    sign_in(page, scene, f"/submissions/{submission_id}")
    page.click("summary:has-text('Report it as met')")
    page.fill("textarea[name=evidence]", "Published on the course page, section Exams.")
    with page.expect_navigation():
        page.click("button:has-text('Send to the QA office')")
    assert "the QA office checks your evidence" in page.inner_text("main")
    assert "reported met" in page.inner_text("main")
    assert_accessible(page, "the status page (condition reported)")
    screenshot(page, "provider-condition-reported")
    with scene.world.db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "condition.reported_met")
        ).one()
    assert entry.submission_id == submission_id
    assert scene.world.stage(submission_id) == "approved_with_conditions"  # the officer confirms
    assert unexpected(page_errors) == []
