"""The whole review in a real browser, as each person in turn (issue 4).

A provider describes a micro-credential and self-assesses; a QA officer screens the file and
invites two reviewers; both score with autosave (a reload keeps the scores) and submit; the
officer signs the decision off; the QA agency sees it, and so does the provider, without any
reviewer's name. Everyone signs in and out through the sign-in page, every main page is
audited with axe-core (serious or critical violations fail the test) and photographed into
test-output/screenshots/journey-*.png.

The review settings ask for exactly two reviewers (`QA_REVIEWERS_TO_INVITE=2`,
`QA_REQUIRED_REVIEWS=2`). `qa serve` runs the routing worker, which each step wakes; the
test's server has none (`app.state.kick` is None), so the test drains the outbox itself
between the steps, where the worker would have run (`route`).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlmodel import select

from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.persistence.models import User
from qa.services.automation.outbox import drain
from qa.services.automation.routing import RoutingContext
from qa.services.people.passwords import hash_password
from qa.services.people.users import add_user
from qa.web.app import create_app
from tests.browser.axe import assert_accessible
from tests.browser.conftest import screenshot
from tests.clock import now
from tests.world import World, build_world

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
TITLE = "Applied Data Analysis with Python"
REVIEWERS = ("agnieszka", "soren")  # the two the officer invites; lucia is not invited
REVIEWER_NAMES = ("Agnieszka", "Soren", "agnieszka", "soren")


@dataclass
class Journey:
    base: str
    world: World
    settings: Settings

    def url(self, path: str) -> str:
        return self.base + path

    def route(self) -> None:
        """What the routing worker of `qa serve` does after each step (the test has none)."""
        drain(self.world.db, RoutingContext(today=now().date(), settings=self.settings.review))

    def user_id(self, username: str) -> int:
        with self.world.db.session() as session:
            found = session.exec(select(User.id).where(User.username == username)).one()
        assert found is not None
        return found


@pytest.fixture
def journey(sqlite_db: Database, tmp_path: Path) -> Iterator[Journey]:
    """The web app with two-reviewer settings on a free port; everyone has a known password.

    (tests/browser/conftest.py's `live_server` uses the default settings, which invite three.)
    """
    world = build_world(sqlite_db, now().date())
    add_user(
        sqlite_db,
        Actor.cli("tests"),
        username="maria",
        email="maria@example.org",
        display_name="Maria Agency",
        roles=["agency"],
    )
    with sqlite_db.write() as session:
        for user in session.exec(select(User)):
            user.password_hash = hash_password(PASSWORD)
            session.add(user)
        session.commit()
    settings = Settings.from_env(
        {
            "QA_DATA_DIR": str(tmp_path),
            "QA_REVIEWERS_TO_INVITE": "2",
            "QA_REQUIRED_REVIEWS": "2",
        }
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(settings, db=sqlite_db)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield Journey(f"http://127.0.0.1:{port}", world, settings)
    server.should_exit = True
    thread.join(10)


# -- moving around ---------------------------------------------------------------------------


def sign_in(page: Any, journey: Journey, username: str) -> None:
    page.goto(journey.url("/login"))
    page.fill("#login", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(journey.url("/"))


def sign_out(page: Any, journey: Journey) -> None:
    page.click("header button:has-text('Sign out')")
    page.wait_for_url(journey.url("/login"))


def audit(page: Any, name: str, shot: str, *, full_page: bool = True) -> None:
    """The axe audit, then a screenshot (only where no htmx swap follows on the same page:
    Playwright leaves empty `style` attributes that htmx's settle step would copy, a CSP
    report)."""
    accessible(page, name)
    screenshot(page, f"journey-{shot}", full_page=full_page)


def accessible(page: Any, name: str) -> None:
    """Serious and critical axe findings fail the test; minor and moderate ones are printed
    (`pytest -s` shows them)."""
    for violation in assert_accessible(page, name):
        print(f"axe, {name}: {violation.describe()}")


def wait_for_text(page: Any, selector: str, text: str) -> None:
    """Until the element shows the text (a locator wait: the pages' CSP forbids the string
    evaluation `wait_for_function` polls with)."""
    page.locator(selector, has_text=text).wait_for()


# -- the provider ----------------------------------------------------------------------------


def fill_descriptor(page: Any, d: dict[str, Any]) -> None:
    """Every element of the good descriptor, typed and chosen in the form."""
    body = d["awarding_bodies"][0]
    page.fill("#f-title", d["title"])
    page.fill("#f-title_language", d["title_language"])
    page.fill("#f-external_id", d["external_id"])
    page.fill("#f-learner_identification", d["learner_identification"])
    page.fill("#f-issuer_countries", "\n".join(d["issuer_countries"]))
    page.fill("#f-issuer_regions", "\n".join(d["issuer_regions"]))
    page.fill("#f-awarding_bodies-1-name", body["name"])
    identifiers = "\n".join(f"{i['scheme']}:{i['value']}" for i in body["identifiers"])
    page.fill("#f-awarding_bodies-1-identifiers", identifiers)
    page.fill("#f-issue_date", d["issue_date"])
    page.fill("#f-learning_outcomes", "\n".join(d["learning_outcomes"]))
    page.fill("#f-workload_ects", str(d["workload_ects"]))
    page.fill("#f-workload_hours", str(d["workload_hours"]))
    page.select_option("#f-eqf_level", str(d["eqf_level"]))
    page.select_option("#f-qf_ehea_cycle", d["qf_ehea_cycle"])
    page.fill("#f-nqf_level", d["nqf_level"])
    for kind in d["assessment_type"]:
        page.check(f"#f-assessment_type-{kind}")
    page.fill("#f-assessment_description", d["assessment_description"])
    page.select_option("#f-supervision", d["supervision"])
    page.select_option("#f-participation_form", d["participation_form"])
    assert not d["work_based"]  # the box stays unticked
    page.select_option("#f-qa_type", d["qa_type"])
    page.fill("#f-qa_evidence", d["qa_evidence"])
    page.select_option("#f-stackability", d["stackability"])
    page.fill("#f-stackability_target", d["stackability_target"])
    page.fill("#f-field_of_study", d["field_of_study"])
    page.fill("#f-language", "\n".join(d["language"]))
    page.keyboard.press("Tab")  # the last field checks itself too
    page.wait_for_load_state("networkidle")  # every inline check has answered


def describe_and_submit(page: Any, journey: Journey, descriptor: dict[str, Any]) -> int:
    page.click("nav[aria-label=Main] >> text=New micro-credential")
    page.wait_for_url(journey.url("/submissions/new"))
    accessible(page, "the descriptor form")
    fill_descriptor(page, descriptor)
    assert page.locator("main .field-error").count() == 0, page.inner_text("main")
    screenshot(page, "journey-02-provider-descriptor-form")
    page.click("button[name=intent][value=review]")  # saved; a review step comes first
    page.wait_for_url(re.compile(r"/submissions/\d+/submit$"))
    assert "What happens when you submit" in page.inner_text("main")
    audit(page, "the review step before submitting", "02b-provider-before-submit")
    page.click("main button:has-text('Submit for review')")
    page.wait_for_url(re.compile(r"/submissions/\d+\?done=submitted$"))
    match = re.search(r"/submissions/(\d+)", page.url)
    assert match is not None
    assert "Submitted. The automatic Annex I check runs next." in page.inner_text("main")
    audit(page, "the status page (submitted)", "03-provider-status-submitted")
    return int(match.group(1))


def self_assess(page: Any, journey: Journey, submission_id: int) -> None:
    journey.route()  # the automatic Annex I check accepts it and opens the self-assessment
    page.reload()
    page.get_by_role("link", name="Complete your self-assessment").click()
    page.wait_for_url(journey.url(f"/submissions/{submission_id}/self-assessment"))
    assert "0 of 43 criteria done" in page.inner_text("#sa-progress")
    accessible(page, "the self-assessment")

    # One criterion by hand: a level, then evidence (saved on leaving the box); a reload keeps it.
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.check("input[name='level-QUAL-1'][value='3']")
    page.fill("#evidence-QUAL-1", "QA handbook, p. 12")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.keyboard.press("Tab")
    wait_for_text(page, "#sa-progress", "1 of 43 criteria done")
    page.reload()
    assert page.is_checked("input[name='level-QUAL-1'][value='3']")
    assert page.input_value("#evidence-QUAL-1") == "QA handbook, p. 12"

    # The other 42: evidence, then a level (the level's autosave carries both).
    criteria = [c.id for c in journey.world.rubric.criteria if c.id != "QUAL-1"]
    for criterion in criteria:
        page.fill(f"#evidence-{criterion}", f"evidence/{criterion}.pdf")
        page.check(f"input[name='level-{criterion}'][value='3']")
    page.keyboard.press("Tab")
    wait_for_text(page, "#sa-progress", "43 of 43 criteria done")
    page.wait_for_load_state("networkidle")
    page.locator("#about-title").scroll_into_view_if_needed()
    screenshot(page, "journey-04-provider-self-assessment", full_page=False)
    page.click("button:has-text('Submit self-assessment')")
    page.wait_for_url(journey.url(f"/submissions/{submission_id}?done=self_assessment"))
    assert "Your self-assessment is submitted" in page.inner_text("main")
    audit(page, "the status page (self-assessment submitted)", "05-provider-status-screening")
    journey.route()  # tells the QA officers the file is ready for screening


# -- the QA officer --------------------------------------------------------------------------


def pipeline(page: Any, journey: Journey, stage: str) -> None:
    """The officer's pipeline from the menu; the file is listed in the stage."""
    page.click("nav[aria-label=Main] >> text=Pipeline")
    page.wait_for_url(journey.url("/officer"))
    assert stage in page.locator("#pipeline tbody tr", has_text=TITLE).inner_text()


def open_file(page: Any, journey: Journey, submission_id: int) -> None:
    page.click(f"#pipeline a[href='/officer/submissions/{submission_id}']")
    page.wait_for_url(journey.url(f"/officer/submissions/{submission_id}"))


def screen_and_invite(page: Any, journey: Journey, submission_id: int) -> dict[str, int]:
    """Pass screening, then invite two reviewers; each reviewer's assignment id."""
    pipeline(page, journey, "Screening by the QA office")
    queue = page.inner_text("#needs-action")  # what waits for the officer comes first
    assert re.search(r"1\s+file to screen", queue) and "requests for more time" in queue
    row = page.locator("#pipeline tbody tr", has_text=TITLE).inner_text()
    assert "yours to screen" in row  # the "Needs attention" column
    audit(page, "the officer's pipeline", "06-officer-pipeline")
    open_file(page, journey, submission_id)
    assert "Every criterion cites evidence." in page.inner_text("#screening")
    audit(page, "the officer's workspace (screening)", "07-officer-screening", full_page=False)
    with page.expect_navigation():
        page.click("#screening button[name=outcome][value=accept]")
    assert "Peer review" in page.inner_text("main .stats")
    assert "The reviewers are scoring" in page.inner_text("main")  # what happens next
    # routing has not run yet: the panel says so and refreshes itself until it has
    assert "choosing reviewers now" in page.inner_text("#panel")
    assert page.get_attribute("#panel-assignments", "hx-trigger") == "every 3s"

    # The officer chooses the panel before routing runs. (Under `qa serve` the worker would
    # usually invite two first; the officer would then only change the panel. Here the
    # officer's own choice is what this journey exercises.) Two of the three are ticked.
    chosen = {name: journey.user_id(name) for name in REVIEWERS}
    for reviewer_id in chosen.values():
        page.check(f"#reviewer-{reviewer_id}")
    with page.expect_navigation():
        page.click("#panel button:has-text('Invite the selected reviewers')")
    rows = page.locator("#panel tbody tr[id^=assignment-]")
    assert rows.count() == 2
    assert page.get_attribute("#panel-assignments", "hx-trigger") is None  # no more polling
    assert "goes beyond the panel size" in page.inner_text("#panel-size")
    page.check(f"#reviewer-{journey.user_id('lucia')}")  # a third: warned before inviting
    with page.expect_navigation():
        page.click("#panel button:has-text('Invite the selected reviewers')")
    assert "Invite beyond the panel size?" in page.inner_text("#beyond-warning")
    assert page.is_checked(f"#reviewer-{journey.user_id('lucia')}")
    audit(page, "the officer's workspace (beyond the panel size)", "08-officer-beyond-panel")
    assert rows.count() == 2  # nobody was invited
    page.goto(journey.url(f"/officer/submissions/{submission_id}"))
    assert "0 of 2 required reviews in" in page.inner_text("#panel-heading")
    for name in ("Agnieszka", "Soren"):
        assert "Invited" in rows.filter(has_text=name).inner_text()
    page.locator("#panel").scroll_into_view_if_needed()
    audit(page, "the officer's workspace (panel)", "08-officer-panel", full_page=False)

    journey.route()  # the panel is full: routing invites nobody else
    assignments = journey.world.assignments(submission_id)
    by_reviewer = {a.reviewer_id: a.id for a in assignments if a.id is not None}
    assert len(assignments) == 2 and sorted(by_reviewer) == sorted(chosen.values())
    return {name: by_reviewer[user_id] for name, user_id in chosen.items()}


def sign_the_decision(page: Any, journey: Journey, submission_id: int) -> None:
    pipeline(page, journey, "Waiting for the decision")
    open_file(page, journey, submission_id)
    sign_off = page.inner_text("#sign-off")
    assert "Approved" in sign_off and "Agnieszka" in sign_off  # staff see who reviewed
    assert page.is_checked("#decision-approved")  # the recommendation is chosen for them
    page.locator("#sign-off").scroll_into_view_if_needed()
    audit(page, "the officer's workspace (sign-off)", "11-officer-sign-off", full_page=False)
    page.fill("#rationale", "Both reviewers recommend approval; every must-pass criterion at 2+.")
    assert not page.is_visible("#condition-text-1")  # condition rows: only with conditions
    page.check("#decision-approved_with_conditions")
    assert page.is_visible("#condition-text-1")
    page.check("#decision-approved")
    with page.expect_navigation():
        page.click("#sign-off button:has-text('Check the decision')")
    confirm = page.inner_text("#confirm-sign")  # a summary to confirm before signing
    assert "Approve" in confirm and "every must-pass criterion at 2+" in confirm
    assert journey.world.decisions(submission_id) == []
    audit(page, "the officer's workspace (confirm the decision)", "11-officer-confirm")
    with page.expect_navigation():
        page.click("#sign-off button:has-text('Confirm and sign')")
    assert "Round 1: Approved" in page.inner_text("#decisions")
    assert "Approved" in page.inner_text("main .stats")
    page.locator("#decisions").scroll_into_view_if_needed()
    audit(page, "the officer's workspace (decided)", "12-officer-decided", full_page=False)
    journey.route()  # tells the provider about the decision


# -- the reviewers ---------------------------------------------------------------------------


def open_invitation(page: Any, journey: Journey, assignment_id: int) -> None:
    """From the home page's "Review invitations" to the review page."""
    accessible(page, "the home page (review invitations)")
    page.click(f"main a[href='/reviews/{assignment_id}']")
    page.wait_for_url(journey.url(f"/reviews/{assignment_id}"))
    assert "You are invited to review" in page.inner_text("main")


def accept(page: Any) -> None:
    page.click("text=Accept the invitation")
    page.check("input[name=conflict][value=none]")
    page.click("button:has-text('Answer')")
    page.wait_for_selector("input[name='level-QUAL-1']:not([disabled])")
    assert page.inner_text("#progress-text") == "0 of 43 criteria scored"


def score_the_rest(page: Any, journey: Journey, done: set[str]) -> None:
    """Every criterion not scored by hand at level 3; the autosaves queue one after another."""
    for criterion in journey.world.rubric.criteria:
        if criterion.id not in done:
            page.check(f"input[name='level-{criterion.id}'][value='3']")
    wait_for_text(page, "#progress-text", "43 of 43 criteria scored")
    assert "you can submit" in page.inner_text("#submit-ready")


def submit_review(page: Any, summary: str) -> None:
    page.check("input[name=recommendation][value=approved]")
    page.fill("#summary", summary)
    page.click("button:has-text('Submit review')")
    page.wait_for_selector("text=It is locked")


def first_review(page: Any, journey: Journey, assignment_id: int) -> None:
    """With the keyboard: the arrow keys choose a level (each choice saves), C the comment."""
    open_invitation(page, journey, assignment_id)
    audit(page, "the review page (invitation)", "09-review-invitation", full_page=False)
    accept(page)
    page.focus("input[name='level-QUAL-1'][value='0']")
    for key in ("Space", "ArrowDown", "ArrowDown"):
        with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
            page.keyboard.press(key)
    page.keyboard.press("c")
    assert page.evaluate("document.activeElement.id") == "comment-QUAL-1"
    page.keyboard.type("Approval record of 2026-05-04 seen.")
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-1")):
        page.keyboard.press("Tab")  # leaving the box saves the comment
    with page.expect_response(lambda r: r.url.endswith("/scores/QUAL-2")):
        page.check("input[name='level-QUAL-2'][value='3']")
    page.wait_for_selector("#status-QUAL-2 .saved")
    assert page.inner_text("#progress-text") == "2 of 43 criteria scored"

    page.reload()  # autosave kept everything
    assert page.is_checked("input[name='level-QUAL-1'][value='2']")
    assert page.input_value("#comment-QUAL-1") == "Approval record of 2026-05-04 seen."
    assert page.is_checked("input[name='level-QUAL-2'][value='3']")
    assert page.inner_text("#progress-text") == "2 of 43 criteria scored"

    score_the_rest(page, journey, {"QUAL-1", "QUAL-2"})
    page.reload()
    assert page.is_checked("input[name='level-INFO-4'][value='3']")
    assert page.inner_text("#progress-text") == "43 of 43 criteria scored"
    accessible(page, "the review page (scoring)")
    page.locator("#c-QUAL-1").scroll_into_view_if_needed()
    screenshot(page, "journey-10-review-scoring", full_page=False)
    submit_review(page, "A careful design; the assessment covers every outcome.")


def second_review(page: Any, journey: Journey, assignment_id: int) -> None:
    """With the mouse: a click per level, a comment saved after a pause in typing."""
    open_invitation(page, journey, assignment_id)
    accept(page)
    with page.expect_response(lambda r: r.url.endswith("/scores/TRAN-1")):
        page.click("input[name='level-TRAN-1'][value='2']")
    page.click("#comment-TRAN-1")
    # the save fires after a 2 s pause in typing; generous for a loaded CI machine
    with page.expect_response(lambda r: r.url.endswith("/scores/TRAN-1"), timeout=15000):
        page.keyboard.type("The learner information lacks the assessment dates.")
    page.wait_for_selector("#status-TRAN-1 .saved")
    page.reload()
    assert page.is_checked("input[name='level-TRAN-1'][value='2']")
    assert page.input_value("#comment-TRAN-1").startswith("The learner information lacks")
    assert page.inner_text("#progress-text") == "1 of 43 criteria scored"
    score_the_rest(page, journey, {"TRAN-1"})
    submit_review(page, "Sound and well evidenced; publish the assessment dates.")
    accessible(page, "the review page (submitted)")


# -- the journey -----------------------------------------------------------------------------


def test_a_micro_credential_goes_from_provider_to_decision_in_the_browser(
    browser_page: Any, page_errors: list[str], journey: Journey, good_descriptor: dict[str, Any]
) -> None:
    page = browser_page

    # The provider describes the micro-credential and self-assesses.
    page.goto(journey.url("/submissions/new"))
    assert "/login" in page.url
    audit(page, "the sign-in page", "01-login")
    sign_in(page, journey, "ines")
    submission_id = describe_and_submit(page, journey, good_descriptor)
    self_assess(page, journey, submission_id)
    sign_out(page, journey)

    # The QA officer screens the file and invites two reviewers.
    sign_in(page, journey, "aoife")
    assignment_of = screen_and_invite(page, journey, submission_id)
    sign_out(page, journey)

    # Both reviewers accept and score; each page's autosave survives a reload.
    sign_in(page, journey, REVIEWERS[0])
    first_review(page, journey, assignment_of[REVIEWERS[0]])
    sign_out(page, journey)
    sign_in(page, journey, REVIEWERS[1])
    second_review(page, journey, assignment_of[REVIEWERS[1]])
    sign_out(page, journey)
    journey.route()  # two reviews in and in agreement: to sign-off
    assert journey.world.stage(submission_id) == "sign_off"

    # The officer signs the decision off.
    sign_in(page, journey, "aoife")
    sign_the_decision(page, journey, submission_id)
    sign_out(page, journey)

    # The QA agency sees the decision.
    sign_in(page, journey, "maria")
    page.click("nav[aria-label=Main] >> text=Decisions and audit packs")
    page.wait_for_url(journey.url("/agency"))
    row = page.locator("#decisions tbody tr", has_text=TITLE)
    assert row.count() == 1
    assert "Approved" in row.inner_text() and "Instituto Politécnico" in row.inner_text()
    audit(page, "the agency's page", "13-agency")
    sign_out(page, journey)

    # The provider sees the decision, and the reviews without any reviewer's name.
    sign_in(page, journey, "ines")
    page.click(f"#submissions a[href='/submissions/{submission_id}']")
    page.wait_for_url(journey.url(f"/submissions/{submission_id}"))
    main = page.inner_text("main")
    assert "Decision, round 1:" in main and "Approved" in main
    assert "Reviewer A" in main and "Reviewer B" in main
    html = page.content()
    for name in REVIEWER_NAMES:
        assert name not in html, f"the provider's status page shows reviewer {name}"
    audit(page, "the status page (decided)", "14-provider-status-decided")
    assert page_errors == []  # no console error, no CSP report, no uncaught exception
