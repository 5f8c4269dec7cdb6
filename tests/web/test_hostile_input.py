"""Hostile input never gets a server error: every route × hostile path ids and field values.

The property: whatever a signed-in user of any role sends (a path id out of the database's
integer range, a NUL byte, a 100 kB string, a date in the year 1 or 9999, garbage), the
answer is a refusal (4xx) or a normal answer, never a 5xx. Both databases: PostgreSQL
refuses integers above 2^31 and NUL bytes in text where SQLite does not.

Routes come from `app.routes` (with the authorization matrix's sample request of each, so
the requests reach the handler's parsing). The fields of a route are learnt by watching
which names its handler reads from the form and the query string during the sample
request, plus the sample's own fields; one more request per value sets every field named
in the templates at once (for handlers that read whatever was posted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import delete
from starlette.datastructures import ImmutableMultiDict
from starlette.routing import Route

from qa.config import Settings
from qa.domain.descriptor_form import FORM_FIELDS
from qa.persistence.models import SignInAttempt
from qa.web.app import create_app
from qa.web.templating import templates_dir
from tests.web import test_authorization_matrix as matrix
from tests.web.conftest import WebUser
from tests.web.test_authorization_matrix import (
    ADMIN,
    AGENCY,
    ANONYMOUS,
    ASSIGNED,
    EXPECTATIONS,
    OFFICER,
    OWN,
    Case,
    Scene,
)

# The matrix's world (one per database and module): a file in every stage, every role.
module_db = matrix.module_db
scene = matrix.scene

#: A user of each role (and nobody signed in).
ROLES = (ANONYMOUS, OWN, ASSIGNED, OFFICER, AGENCY, ADMIN)
HOSTILE_IDS = ("0", "-1", str(2**31), str(2**63), str(10**30))
HOSTILE_SEGMENTS = ("%00", "a%00b", "%1b%5b2J", "x" * 5_000)
HOSTILE_VALUES = (
    str(2**31),  # above PostgreSQL's integer
    str(2**63),  # above SQLite's integer
    "-1",
    "a\x00b",  # PostgreSQL refuses NUL in text
    "ring\x07\x1b[2J",
    "x" * 100_000,
    "9999-12-31",
    "0001-01-01",
    "not a date",
)
MAX_QUERY_VALUE = 8_000
ALL_AT_ONCE = 1_000  # characters a field when every field is set (the long ones come singly)
NOT_FIELDS = {"csrf_token", "viewport", "htmx-config"}


def template_field_names() -> set[str]:
    """Every form field the templates name, with the dynamic parts filled in."""
    names: set[str] = set()
    for template in templates_dir().rglob("*.html"):
        for raw in re.findall(r'name="([^"]+)"', template.read_text(encoding="utf-8")):
            name = raw.replace("{{ c.id }}", "QUAL-1").replace("{{ loop.index }}", "1")
            name = name.replace("{{ n }}", "0")
            if "{{ f.key }}" in name:
                names |= {name.replace("{{ f.key }}", key) for key in FORM_FIELDS}
            elif "{{" not in name:
                names.add(name)
    return names - NOT_FIELDS


@dataclass(frozen=True)
class Target:
    """One route with its sample request."""

    method: str
    route: Route
    case: Case

    def path_for(self, scene: Scene, replace: dict[int, str] | None = None) -> str:
        """The sample's path, with the route's parameter segments at `replace` swapped."""
        sample = scene.path(self.case.path)
        path, _, query = sample.partition("?")
        segments = path.split("/")
        for index, value in (replace or {}).items():
            segments[index] = value
        return "/".join(segments) + (f"?{query}" if query else "")

    def parameter_segments(self) -> dict[int, bool]:
        """Index of each path parameter's segment: True for an integer id."""
        return {
            index: ":int}" in segment
            for index, segment in enumerate(self.route.path.split("/"))
            if segment.startswith("{")
        }


def targets(scene: Scene, data_dir: Path) -> list[Target]:
    """Every route of the app (but the static files) with its sample request."""
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(data_dir)}), db=scene.world.db)
    found = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            cases = EXPECTATIONS[(method, route.path)]
            sample = next((one for one in cases if not one.ends_session), None)
            if sample is not None:
                found.append(Target(method, route, sample))
    return found


def send(user: WebUser, target: Target, path: str, data: dict[str, Any]) -> int:
    """The request, with `data` as the form (POST) or added to the query string (GET)."""
    if target.method == "GET":
        if data:  # URLs are shorter than forms: 8,000 characters a value at most
            query = {name: value[:MAX_QUERY_VALUE] for name, value in data.items()}
            path += ("&" if "?" in path else "?") + urlencode(query)
        return user.get(path, htmx=target.case.htmx).status_code
    return user.post(path, data, htmx=target.case.htmx).status_code


@pytest.fixture
def read_names(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names handlers read from forms and query strings (while the test records)."""
    seen: list[str] = []
    for method in ("get", "getlist", "__getitem__", "__contains__"):
        original = getattr(ImmutableMultiDict, method)

        def recording(self: Any, key: Any, *args: Any, _original: Any = original) -> Any:
            if isinstance(key, str):
                seen.append(key)
            return _original(self, key, *args)

        monkeypatch.setattr(ImmutableMultiDict, method, recording)
    return seen


def test_hostile_path_segments_never_get_a_server_error(scene: Scene, tmp_path: Path) -> None:
    problems = []
    requests = 0
    for target in targets(scene, tmp_path):
        segments = target.parameter_segments()
        for index, is_id in segments.items():
            for value in HOSTILE_IDS if is_id else HOSTILE_SEGMENTS:
                path = target.path_for(scene, {index: value})
                for principal in ROLES:
                    user = scene.users[principal]
                    status = send(user, target, path, dict(target.case.data or {}))
                    requests += 1
                    if status >= 500:
                        problems.append(f"{target.method} {path[:80]} as {principal}: {status}")
    assert requests > 500
    assert not problems, f"{len(problems)} server errors:\n" + "\n".join(problems)


def test_hostile_field_values_never_get_a_server_error(
    scene: Scene, read_names: list[str], tmp_path: Path
) -> None:
    everything = template_field_names()
    assert {"version", "reviewer_id", "due", "date_to", "reason"} <= everything
    problems = []
    requests = 0
    try:
        for target in targets(scene, tmp_path):
            principal = next(
                (p for p in (OFFICER, OWN, ASSIGNED, AGENCY, ADMIN) if p in target.case.allowed),
                ANONYMOUS,
            )
            user = scene.users[principal]
            baseline = dict(target.case.data or {})
            path = target.path_for(scene)
            read_names.clear()
            send(user, target, path, baseline)
            fields = (set(read_names) | set(baseline)) - NOT_FIELDS
            for value in HOSTILE_VALUES:
                attempts = [baseline | {name: value} for name in sorted(fields)]
                if target.method == "POST":  # GET handlers read only what they ask for
                    attempts.append(baseline | dict.fromkeys(everything, value[:ALL_AT_ONCE]))
                for data in attempts:
                    status = send(user, target, path, data)
                    requests += 1
                    if status >= 500:
                        changed = sorted(k for k in data if data[k] in (value, value[:ALL_AT_ONCE]))
                        problems.append(
                            f"{target.method} {path} as {principal} with {changed[:3]}="
                            f"{value[:20]!r}: {status}"
                        )
    finally:
        # the sweep's garbage sign-ins count against this address (the throttle works);
        # forget them so the next tests can sign in
        with scene.world.db.write() as session:
            session.execute(delete(SignInAttempt))
            session.commit()
        scene.sign_everyone_in_again()
    assert requests > 500
    assert not problems, f"{len(problems)} server errors:\n" + "\n".join(problems)
