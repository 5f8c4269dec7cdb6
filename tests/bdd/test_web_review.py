"""Steps for features/web_review.feature: the reviewer's journey through the HTTP layer.

Every action is a request a browser with htmx would send (Starlette's TestClient, signed in,
with the CSRF token); the checks read the HTML the reviewer gets back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from qa.persistence.models import Assignment, User
from tests.bdd.conftest import MEMBER, MEMBERS, ReviewFile, words
from tests.web.conftest import WebUser, web  # noqa: F401 (`web` is tests/web's fixture)
from tests.world import World

scenarios("web_review.feature")
pytestmark = pytest.mark.usefixtures("world")

SUMMARY = "Well designed; the assessment covers every learning outcome."
SCORE = r"(?P<name>\w+) scores \"(?P<criterion>[A-Z]{4}-\d+)\""


@dataclass
class Reviewer:
    """One signed-in reviewer, their assignment on the file, and the last answer they got."""

    world: World
    user: WebUser
    assignment_id: int
    page: str = ""
    response: httpx.Response | None = field(default=None)

    def path(self, assignment_id: int | None = None) -> str:
        return f"/reviews/{assignment_id or self.assignment_id}"

    @property
    def assignment(self) -> Assignment:
        return self.world.assignment(self.assignment_id)

    def open(self, assignment_id: int | None = None) -> httpx.Response:
        self.response = self.user.get(self.path(assignment_id))
        if self.response.status_code == 200:
            self.page = self.response.text
        return self.response

    def post(self, suffix: str, data: dict[str, Any], *, htmx: bool = False) -> httpx.Response:
        self.response = self.user.post(f"{self.path()}{suffix}", data, htmx=htmx)
        return self.response

    def answer(self, **data: str) -> None:
        response = self.post("/answer", {"version": self.assignment.version, **data})
        assert response.status_code == 303, response.text

    def save(
        self, criterion: str, level: str, comment: str = "", assignment_id: int | None = None
    ) -> httpx.Response:
        data = {f"level-{criterion}": level, f"comment-{criterion}": comment}
        path = f"{self.path(assignment_id)}/scores/{criterion}"
        self.response = self.user.post(path, data, htmx=True)
        return self.response


def _user_id(world: World, name: str) -> int:
    with world.db.session() as session:
        user = session.exec(select(User).where(User.username == name.lower())).one()
    assert user.id is not None
    return user.id


# -- Given -------------------------------------------------------------------------------------


@given(parsers.re(rf"(?P<name>\w+), the {MEMBER}, is signed in"), target_fixture="reviewer")
def _signed_in(
    request: pytest.FixtureRequest, review_file: ReviewFile, name: str, member: str
) -> Reviewer:
    sign_in: Callable[[str], WebUser] = request.getfixturevalue("web")
    assignment = review_file.member(member)
    assert assignment.reviewer_id == _user_id(review_file.world, name), "another panel member"
    assert assignment.id is not None
    return Reviewer(review_file.world, sign_in(name.lower()), assignment.id)


@given(parsers.parse("{name} has accepted the invitation and declared no conflict of interest"))
def _ready(reviewer: Reviewer, name: str) -> None:
    reviewer.answer(accept="1")
    reviewer.answer(conflict="none")


@given(parsers.parse("{name} has scored every criterion at level 3 except:"))
def _scored_all_but(reviewer: Reviewer, name: str, datatable: list[list[str]]) -> None:
    left_out = {row[0] for row in datatable[1:]}
    for criterion in reviewer.world.rubric.criteria:
        if criterion.id not in left_out:
            assert reviewer.save(criterion.id, "3").status_code == 200


# -- When --------------------------------------------------------------------------------------


@when(parsers.parse("{name} opens her review page"))
def _open_own(reviewer: Reviewer, name: str) -> None:
    assert reviewer.open().status_code == 200


@when(parsers.re(rf"(?P<name>\w+) opens the {MEMBER}'s review page"))
def _open_other(reviewer: Reviewer, review_file: ReviewFile, name: str, member: str) -> None:
    reviewer.open(review_file.member(member).id)


@when(parsers.parse("{name} accepts the invitation"))
def _accept(reviewer: Reviewer, name: str) -> None:
    reviewer.answer(accept="1")


@when(parsers.parse("{name} declares no conflict of interest"))
def _no_conflict(reviewer: Reviewer, name: str) -> None:
    reviewer.answer(conflict="none")


@when(parsers.parse('{name} declares a conflict of interest: "{details}"'))
def _conflict(reviewer: Reviewer, name: str, details: str) -> None:
    reviewer.answer(conflict="declared", details=details)


@when(parsers.re(rf'{SCORE} at level (?P<level>[0-3]) with the comment "(?P<comment>[^"]*)"'))
def _score(reviewer: Reviewer, name: str, criterion: str, level: str, comment: str) -> None:
    reviewer.save(criterion, level, comment)


@when(parsers.re(rf'{SCORE} as cannot judge with the comment "(?P<comment>[^"]*)"'))
def _cannot_judge(reviewer: Reviewer, name: str, criterion: str, comment: str) -> None:
    reviewer.save(criterion, "cj", comment)


@when(parsers.re(rf"{SCORE} at level (?P<level>[0-3]) on the {MEMBER}'s review"))
def _score_other(
    reviewer: Reviewer,
    review_file: ReviewFile,
    name: str,
    criterion: str,
    level: str,
    member: str,
) -> None:
    reviewer.save(criterion, level, assignment_id=review_file.member(member).id)


@when(parsers.parse('{name} submits the review recommending "{recommendation}"'))
def _submit(reviewer: Reviewer, name: str, recommendation: str) -> None:
    data = {
        "version": reviewer.assignment.version,
        "recommendation": words(recommendation),
        "summary": SUMMARY,
    }
    reviewer.post("/submit", data, htmx=True)


# -- Then --------------------------------------------------------------------------------------


@then(parsers.parse('the page says "{text}"'))
def _page_says(reviewer: Reviewer, text: str) -> None:
    assert text in reviewer.page, text


@then(parsers.parse('the page shows the descriptor and the provider\'s evidence for "{cid}"'))
def _descriptor_and_evidence(reviewer: Reviewer, cid: str) -> None:
    page = reviewer.page
    assert "The learner can clean, join and reshape tabular data with pandas" in page
    assert "A3ES accreditation decision ACEF/2324/0012 of 2024-03-12" in page
    article = _criterion(page, cid)
    assert "The provider’s evidence" in article and f"evidence/{cid}.pdf" in article


@then("the rubric cannot be scored yet")
def _preview(reviewer: Reviewer) -> None:
    assert "hx-post" not in reviewer.page
    assert re.search(r'<fieldset class="levels"[^>]* disabled', reviewer.page)


@then(parsers.parse('"{cid}" says it was saved'))
def _saved(reviewer: Reviewer, cid: str) -> None:
    response = reviewer.response
    assert response is not None and response.status_code == 200, response
    assert re.search(r"Saved <time datetime=[^>]+>\d\d:\d\d:\d\d UTC</time>", response.text)


@then(parsers.parse('"{cid}" says it was not saved'))
def _not_saved(reviewer: Reviewer, cid: str) -> None:
    assert reviewer.response is not None
    assert re.search(
        rf'<p class="status" id="status-{cid}" role="status" hx-swap-oob="true">'
        r'<span class="field-error">Not saved: ',
        reviewer.response.text,
    )


@then(parsers.parse("the progress shows {scored:d} of {total:d} criteria scored"))
def _progress(reviewer: Reviewer, scored: int, total: int) -> None:
    assert reviewer.response is not None
    text = reviewer.response.text
    assert f'<span class="count">{scored} of {total}</span> criteria scored' in text
    assert f'max="{total}" value="{scored}"' in text and 'hx-swap-oob="true"' in text


@then(parsers.parse('"{cid}" is at level {level:d} with the comment "{comment}"'))
def _kept(reviewer: Reviewer, cid: str, level: int, comment: str) -> None:
    assert re.search(rf'name="level-{cid}" value="{level}" checked', reviewer.page)
    assert f">{comment}</textarea>" in _criterion(reviewer.page, cid)


@then(parsers.parse('"{cid}" is marked cannot judge'))
def _kept_cannot_judge(reviewer: Reviewer, cid: str) -> None:
    assert re.search(rf'name="level-{cid}" value="cj" checked', reviewer.page)


@then(parsers.parse('the submission is refused with "{message}", naming:'))
def _submit_refused(reviewer: Reviewer, message: str, datatable: list[list[str]]) -> None:
    response = reviewer.response
    assert response is not None and response.status_code == 422, response
    assert response.headers["HX-Retarget"] == "#messages"
    assert message in response.text
    named = re.findall(r"<li>([A-Z]{4}-\d+) [^<]+</li>", response.text)  # id and title
    assert sorted(named) == sorted(row[0] for row in datatable[1:]), named


@then(parsers.parse('the save is refused with "{message}"'))
def _save_refused(reviewer: Reviewer, message: str) -> None:
    response = reviewer.response
    assert response is not None and response.status_code == 409, response
    assert response.headers["HX-Retarget"] == "#messages" and message in response.text


@then(parsers.parse('{name}\'s assignment is "{state}"'))
def _state(reviewer: Reviewer, name: str, state: str) -> None:
    assert reviewer.assignment.state == state


@then("nothing on the page can be changed")
def _read_only(reviewer: Reviewer) -> None:
    page = reviewer.page
    assert "hx-post" not in page and "<textarea" not in page and 'type="radio"' not in page


@then(parsers.parse('she is refused with {status:d} "{message}"'))
def _refused(reviewer: Reviewer, status: int, message: str) -> None:
    response = reviewer.response
    assert response is not None and response.status_code == status, response
    assert message in response.text


@then(parsers.re(rf"none of the {MEMBER}'s scores is shown"))
def _blind(reviewer: Reviewer, review_file: ReviewFile, member: str) -> None:
    other = review_file.member(member)
    assert other.state == "submitted" and MEMBERS[member] == other.panel_role
    assert not re.search(r'type="radio" name="level-[^"]+" value="[^"]+" checked', reviewer.page)
    assert "seen</textarea>" not in reviewer.page
    assert '<span class="count">0 of 43</span>' in reviewer.page


def _criterion(page: str, cid: str) -> str:
    match = re.search(rf'<article class="criterion" id="c-{cid}".*?</article>', page, re.S)
    assert match, f"no criterion {cid} on the page"
    return match.group(0)
