"""Steps for features/api.feature: a token from the account page, used by a script."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2 as httpx
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from qa.domain.validation import validate_descriptor
from tests.conftest import GOOD_DESCRIPTOR
from tests.web.conftest import WebUser, web  # noqa: F401 (`web` is tests/web's fixture)
from tests.world import World

scenarios("api.feature")
pytestmark = pytest.mark.usefixtures("world")


@dataclass
class Script:
    """Inês in her browser, and a script holding her token (once she has one)."""

    browser: WebUser
    token: str = ""
    last: httpx.Response | None = None
    sent: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}"}
        client = self.browser.client
        self.last = client.request(method, f"/api/v1{path}", json=body, headers=headers)
        return self.last


@given("Inês, a provider, is signed in on the web", target_fixture="script")
def _signed_in(web: Callable[[str], WebUser]) -> Script:  # noqa: F811
    return Script(web("ines"))


def _create(script: Script, name: str) -> httpx.Response:
    response = script.browser.post("/account/tokens", {"token_name": name})
    assert response.status_code == 201, response.text
    found = re.search(r'<code id="new-token">(qa_[^<]+)</code>', response.text)
    assert found
    script.token = found.group(1)
    return response


@given("Inês has an API token")
def _has_token(script: Script) -> None:
    _create(script, "tests")


@when(parsers.parse('Inês creates an API token named "{name}" on her account page'))
def _creates(script: Script, name: str) -> None:
    _create(script, name)


@then("the page shows the token once")
def _shown(script: Script) -> None:
    assert script.token.startswith("qa_")
    assert script.token not in script.browser.get("/account").text


@then(parsers.parse('her account page lists "{name}" without the token'))
def _listed(script: Script, name: str) -> None:
    page = script.browser.get("/account").text
    assert name in page and script.token[:10] in page and script.token not in page


@when(parsers.parse('a script starts a draft "{title}" with the token'))
def _starts(script: Script, title: str) -> None:
    script.sent = copy.deepcopy(GOOD_DESCRIPTOR) | {"title": title}
    script.call("POST", "/submissions", script.sent)


@then("the script gets the new draft with its ETag")
def _draft(script: Script) -> None:
    assert script.last is not None and script.last.status_code == 201, script.last
    assert script.last.json()["stage"] == "draft"
    assert script.last.headers["etag"] == f'"{script.last.json()["version"]}"'


@then(parsers.parse('the script\'s list of files holds "{title}"'))
def _lists(script: Script, title: str) -> None:
    items = script.call("GET", "/submissions").json()["items"]
    assert [item["title"] for item in items] == [title]


@when(parsers.parse('Inês revokes the token "{name}"'))
def _revokes(script: Script, name: str) -> None:
    page = script.browser.get("/account").text
    found = re.search(r'action="/account/tokens/(\d+)/revoke"', page)
    assert found and name in page
    assert script.browser.post(f"/account/tokens/{found.group(1)}/revoke").status_code == 303


@then(parsers.parse("the script is refused with {status:d}"))
def _refused(script: Script, status: int) -> None:
    response = script.call("GET", "/me")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@when('a script starts a draft without learning outcomes and with the workload "lots"')
def _incomplete(script: Script) -> None:
    script.sent = copy.deepcopy(GOOD_DESCRIPTOR) | {"workload_ects": "lots"}
    del script.sent["learning_outcomes"]
    script.call("POST", "/submissions", script.sent)


@then(parsers.parse('the script is refused with 422 naming "{first}" and "{second}"'))
def _named(script: Script, first: str, second: str) -> None:
    assert script.last is not None and script.last.status_code == 422
    fields = {error["field"] for error in script.last.json()["errors"]}
    assert {first, second} <= fields


@then("the messages are the ones the form shows")
def _same_messages(script: Script, world: World) -> None:
    assert script.last is not None
    got = {e["field"]: e["message"] for e in script.last.json()["errors"]}
    report = validate_descriptor(script.sent, today=world.today)
    assert got == {issue.element: issue.message for issue in report.errors}


@then("no draft was saved")
def _nothing(script: Script) -> None:
    assert script.call("GET", "/submissions").json()["items"] == []


@when("Inês's browser calls the API without a token")
def _browser(script: Script) -> None:
    script.last = script.browser.get("/api/v1/me")


@then(parsers.parse("the browser is refused with {status:d}"))
def _browser_refused(script: Script, status: int) -> None:
    assert script.last is not None and script.last.status_code == status
