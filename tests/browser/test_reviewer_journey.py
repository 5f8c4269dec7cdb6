"""A reviewer in a real browser: sign in, accept, declare no conflict, score with the keyboard
only, watch autosave and progress, reload, submit; every page audited with axe-core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from qa.domain.score_input import ScoreInput
from qa.persistence.db import Database
from qa.persistence.models import User
from qa.services.decisions.decisions import withdraw
from qa.services.people.passwords import hash_password
from qa.services.review.reviews import save_review_score
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.world import World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
SAVED = "#status-{} .saved"


@dataclass
class Scene:
    world: World
    assignment_id: int
    username: str
    url: str


@pytest.fixture
def scene(
    live_server: str, sqlite_db: Database, today: date, good_descriptor: dict[str, Any]
) -> Scene:
    """A file in peer review; its subject expert has a known password."""
    world = build_world(sqlite_db, today)
    submission_id = world.to_peer_review(good_descriptor)
    assignment = world.panel_member(submission_id, "subject_expert")
    assert assignment.id is not None
    with sqlite_db.write() as session:
        user = session.get(User, assignment.reviewer_id)
        assert user is not None
        user.password_hash = hash_password(PASSWORD)
        session.add(user)
        session.commit()
        username = user.username
    return Scene(world, assignment.id, username, f"{live_server}/reviews/{assignment.id}")


def sign_in_and_get_ready(page: Any, scene: Scene) -> None:
    """Sign in from the review link, accept the invitation, declare no conflict."""
    page.goto(scene.url)
    page.fill("#login", scene.username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(scene.url)
    page.click("text=Accept the invitation")
    page.check("input[name=conflict][value=none]")
    page.click("button:has-text('Answer')")
    page.wait_for_selector("input[name='level-QUAL-1']:not([disabled])")


def test_reviewer_scores_with_the_keyboard_only_and_every_page_is_accessible(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    page = browser_page
    page.goto(scene.url)
    assert "/login" in page.url  # sign in first, then come back here
    assert_accessible(page, "the sign-in page")
    screenshot(page, "login")
    page.fill("#login", scene.username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(scene.url)
    assert "You are invited to review" in page.inner_text("main")
    assert_accessible(page, "the review page (invitation)")
    screenshot(page, "review-invitation", full_page=False)
    page.click("text=Accept the invitation")
    page.check("input[name=conflict][value=none]")
    page.click("button:has-text('Answer')")
    page.wait_for_selector("input[name='level-QUAL-1']:not([disabled])")
    assert page.inner_text("#progress-text") == "0 of 43 criteria scored"

    # Keyboard only: the arrow keys choose a level (each choice saves), Tab reaches the comment.
    page.focus("input[name='level-QUAL-1'][value='0']")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.keyboard.press("Space")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.keyboard.press("ArrowDown")
    page.wait_for_selector(SAVED.format("QUAL-1"))
    assert "Saved" in page.inner_text("#status-QUAL-1")
    assert page.inner_text("#progress-text") == "1 of 43 criteria scored"
    assert page.get_attribute("#progress progress", "value") == "1"
    page.keyboard.press("c")  # the comment is not a Tab stop: C opens it
    assert page.evaluate("document.activeElement.id") == "comment-QUAL-1"
    page.keyboard.type("Approval record of 2026-05-04 seen.")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.keyboard.press("Tab")  # leaving the box saves the comment
    assert _active(page) == "level-QUAL-2"  # Tab goes on to the next criterion's level
    page.focus("#comment-QUAL-2")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-2"), timeout=5000):
        page.keyboard.type("Still reading the monitoring plan")  # a pause in typing saves
    page.wait_for_selector(SAVED.format("QUAL-2"))
    assert page.inner_text("#progress-text") == "1 of 43 criteria scored"  # a comment only
    assert_accessible(page, "the review page (scoring)")
    page.locator("#c-QUAL-1").scroll_into_view_if_needed()
    screenshot(page, "review-scoring", full_page=False)

    page.reload()
    assert page.is_checked("input[name='level-QUAL-1'][value='1']")
    assert page.input_value("#comment-QUAL-1") == "Approval record of 2026-05-04 seen."
    assert page.inner_text("#progress-text") == "1 of 43 criteria scored"
    page.goto(scene.url.rsplit("/reviews/", 1)[0] + "/")
    assert_accessible(page, "the home page")
    screenshot(page, "home")
    assert page_errors == []


def test_a_complete_review_is_submitted_and_the_page_becomes_read_only(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    page = browser_page
    sign_in_and_get_ready(page, scene)
    reviewer = scene.world.reviewers[0]
    for criterion in scene.world.rubric.criteria[1:]:
        entry = ScoreInput(criterion.id, level=3, comment="seen")
        save_review_score(scene.world.db, reviewer, scene.assignment_id, entry)
    page.reload()
    assert page.inner_text("#progress-text") == "42 of 43 criteria scored"
    page.check("input[name='level-QUAL-1'][value='cj']")
    page.wait_for_selector(SAVED.format("QUAL-1"))
    assert page.inner_text("#progress-text") == "43 of 43 criteria scored"
    assert "you can submit" in page.inner_text("#submit-ready")
    page.check("input[name=recommendation][value=approved]")
    page.fill("#summary", "A careful design; the assessment covers every outcome.")
    page.click("button:has-text('Submit review')")
    page.wait_for_selector("text=It is locked")
    assert page.locator("main textarea, main input[type=radio]").count() == 0
    assert_accessible(page, "the review page (submitted)")
    screenshot(page, "review-submitted", full_page=False)
    assert page_errors == []


def test_refusals_are_shown_in_the_page(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    """An incomplete submit lists what is missing; a refused save marks its criterion.

    htmx 2 swaps no 4xx response unless `htmx.config.responseHandling` says so (base.html's
    htmx-config), so this also pins that configuration.
    """
    page = browser_page
    sign_in_and_get_ready(page, scene)
    swaps_refusals = page.evaluate(
        "htmx.config.responseHandling.some(r => new RegExp(r.code).test('422') && r.swap)"
    )
    assert swaps_refusals, "base.html's htmx-config must swap 4xx responses (responseHandling)"
    page.check("input[name=recommendation][value=approved]")
    page.fill("#summary", "A careful design; the assessment covers every outcome.")
    page.click("button:has-text('Submit review')")
    page.wait_for_selector("#messages .error-summary")
    messages = page.inner_text("#messages")
    assert "43 criteria still need an answer" in messages
    assert "QUAL-1 Internal quality assurance covers the micro-credential" in messages
    assert_accessible(page, "the review page (submit refused)")
    screenshot(page, "review-submit-refused", full_page=False)
    world = scene.world  # meanwhile the provider withdraws: the review is no longer needed
    submission_id = world.assignment(scene.assignment_id).submission_id
    version = world.submission(submission_id).version
    withdraw(world.db, world.provider, submission_id, expected_version=version, reason="Moved")
    page.check("input[name='level-QUAL-2'][value='2']")
    page.wait_for_selector("#status-QUAL-2 .field-error")
    assert "Not saved" in page.inner_text("#status-QUAL-2")


def test_an_answer_not_saved_offline_or_on_a_server_error_says_so_and_is_sent_again(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    """A reviewer on a train: the page never claims "Saved" for an answer the server does
    not have, keeps it, and sends it by itself when the connection returns (app.js)."""
    page = browser_page
    sign_in_and_get_ready(page, scene)
    page.check("input[name='level-QUAL-1'][value='2']")
    page.wait_for_selector(SAVED.format("QUAL-1"))

    page.context.set_offline(True)
    page.check("input[name='level-QUAL-1'][value='3']")
    page.wait_for_selector("#status-QUAL-1 .field-error")
    assert "Not saved: you are offline" in page.inner_text("#status-QUAL-1")
    assert page.query_selector(SAVED.format("QUAL-1")) is None
    screenshot(page, "review-offline", full_page=False)
    assert_accessible(page, "the review page (offline)")

    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")) as sent:
        page.context.set_offline(False)  # the browser's "online" event: sent again
    assert sent.value.status == 200
    page.wait_for_selector(SAVED.format("QUAL-1"))
    page.reload()
    assert page.is_checked("input[name='level-QUAL-1'][value='3']")

    # a server error is no "Saved" either (the answer is sent again after a while)
    page.route("**/scores/QUAL-2", lambda route: route.fulfill(status=502, body="Bad gateway"))
    page.check("input[name='level-QUAL-2'][value='1']")
    page.wait_for_selector("#status-QUAL-2 .field-error")
    assert "Not saved: the server did not answer" in page.inner_text("#status-QUAL-2")
    expected = (
        "ERR_INTERNET_DISCONNECTED",
        "502",
        "htmx:sendError",
        "htmx:afterRequest",
        "htmx:responseError",
    )
    assert [e for e in page_errors if not any(x in e for x in expected)] == []  # htmx logs


def _active(page: Any) -> str:
    """The focused element as `name` (a form control) or its text."""
    return str(
        page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()")
    )


def test_the_whole_rubric_by_keyboard_in_at_most_three_keys_per_criterion(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    """From the top of the page to 43 saved answers with keys only, counted (rubric.js)."""
    page = browser_page
    sign_in_and_get_ready(page, scene)
    criteria = scene.world.rubric.criteria
    keys = 0

    def press(key: str) -> None:
        nonlocal keys
        page.keyboard.press(key)
        keys += 1

    while not _active(page).startswith("Next unscored"):  # skip link, menu, account, …
        press("Tab")
        assert keys < 20, "the progress box's “Next unscored” comes early in the Tab order"
    press("Enter")
    for number, criterion in enumerate(criteria):
        assert _active(page) == f"level-{criterion.id}"  # one Tab stop per criterion
        press("x" if number % 10 == 9 else str(number % 4))
        if number + 1 < len(criteria):
            press("Tab")
    page.wait_for_selector("#progress-text:has-text('43 of 43')")
    per_criterion = keys / len(criteria)
    print(f"\nkeys per criterion: {per_criterion:.2f} ({keys} keys for {len(criteria)} criteria)")
    assert per_criterion <= 3
    assert "Every criterion is scored" in page.inner_text("#next-unscored")
    assert page.is_checked("input[name='level-QUAL-3'][value='2']")
    assert page.is_checked(f"input[name='level-{criteria[9].id}'][value='cj']")
    page.reload()  # every answer was saved, and the focus comes back to the last criterion
    assert page.inner_text("#progress-text") == "43 of 43 criteria scored"
    assert _active(page) == f"level-{criteria[-1].id}"
    assert page_errors == []


def test_comment_guidance_jump_links_and_focus_after_a_reload(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    page = browser_page
    sign_in_and_get_ready(page, scene)
    assert "QUAL-1" in page.inner_text("#next-unscored")
    principle = scene.world.rubric.principles[1]
    first = scene.world.rubric.criteria_of(principle.code)[0].id
    page.click(f"#principle-links a:has-text('{principle.name}')")  # a jump link per principle
    assert _active(page) == f"level-{first}"
    with page.expect_response(lambda r: r.url.endswith(f"/scores/{first}")):
        page.keyboard.press("2")
    page.keyboard.press("g")  # the guidance opens without being a Tab stop
    assert page.evaluate(f"document.querySelector('#c-{first} .guidance').open")
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == f"comment-{first}"
    page.keyboard.type("Seen in the handbook.")
    with page.expect_response(lambda r: r.url.endswith(f"/scores/{first}")):
        page.keyboard.press("Escape")  # back to the levels; leaving the box saves
    assert _active(page) == f"level-{first}"
    page.wait_for_selector(
        f"#principle-links >> text=1/{len(scene.world.rubric.criteria_of(principle.code))}"
    )
    page.keyboard.press("n")  # the next unscored criterion
    assert _active(page) == "level-QUAL-1"
    assert_accessible(page, "the review page (keyboard scoring)")
    screenshot(page, "review-progress-box", full_page=False)

    page.reload()  # focus returns to the last criterion touched
    assert _active(page) == "level-QUAL-1"
    assert page.input_value(f"#comment-{first}") == "Seen in the handbook."
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert _contrast(ring, "rgb(255, 255, 255)") >= 3  # WCAG 2.2 non-text contrast
    assert page_errors == []


def test_submitting_without_recommendation_or_summary_shows_the_error_summary(
    browser_page: Any, page_errors: list[str], scene: Scene
) -> None:
    page = browser_page
    sign_in_and_get_ready(page, scene)
    page.click("button:has-text('Submit review')")  # no browser popup: the form is novalidate
    page.wait_for_selector("#messages .error-summary")
    messages = page.inner_text("#messages")
    assert "Choose your recommendation" in messages
    assert "summary for the provider of at least 20 characters" in messages
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert_accessible(page, "the review page (recommendation missing)")
    screenshot(page, "review-submit-missing-recommendation", full_page=False)


def _contrast(first: str, second: str) -> float:
    def luminance(css: str) -> float:
        channels = [int(x) / 255 for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3]]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)
