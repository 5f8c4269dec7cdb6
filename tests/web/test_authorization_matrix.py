"""Who may call which endpoint on which object: the role × endpoint authorization matrix.

One world holds a file of the provider "ines" (PT-IPVN) in every stage that matters, eight
principals and `EXPECTATIONS`: for every route the app registers, the principals allowed to
use it on a given object.

* Allowed: the policy let the request through. Any answer but 401/403, a redirect to sign
  in or a server error; a refused precondition (409, 422, 404 for a made-up token) is fine.
  State-changing cases send a stale version or an incomplete form on purpose, so no file
  moves while the matrix runs.
* Forbidden: 403 from the policy (not from the CSRF check). The product answers 403 for
  someone else's object and 404 only for objects that do not exist; it does not hide that a
  file exists, and these tests hold it to that consistently.
* Anonymous: every non-public route sends the whole page to sign in (303 to
  `/login?next=<path>`, or 204 with `HX-Redirect` for an htmx request). Public: `/login`,
  `/logout`, `/health`, `/invite/{token}` and `/static`.

Admins pass `require_officer` and `require_provider_of` ("officers may help"), so they open
every officer and provider page and can manage a review panel, but judgments are the
officer's alone (`policy.is_qa_judge`) and the lifecycle's transition table names only
providers and officers: an admin who would screen, record a consensus, moderate, sign off,
mark a condition met or withdraw a file gets 403, before any stage or version check.

Building the world is the slow part, so there is one per database for the whole module. The
tests leave it as they found it, apart from harmless traces (a self-assessment score, queued
audit packs, sign-in links, re-signed-in sessions); the one test that moves a file on uses a
peer-review file of its own.
"""

from __future__ import annotations

import copy
import re
import shutil
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2 as httpx
import pytest
from sqlmodel import col, select
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from qa.config import Settings
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.score_input import ScoreInput
from qa.domain.validation import validate_descriptor
from qa.export.pack import PackFilter
from qa.export.pack_jobs import request_pack
from qa.persistence.db import Database
from qa.persistence.models import AuditPack, Condition, ExtensionRequest, User
from qa.services.decisions.decisions import ConditionInput, sign_off
from qa.services.people.api_tokens import create_token
from qa.services.people.institutions import add_institution
from qa.services.people.passwords import hash_password
from qa.services.people.users import add_user
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from qa.services.submissions.submissions import create_draft
from qa.web.app import create_app
from tests.clock import TODAY
from tests.conftest import GOOD_DESCRIPTOR, _truncate_all
from tests.web.conftest import WEB_PASSWORD, WebUser
from tests.world import World, build_world

# -- the principals ----------------------------------------------------------------------------

ANONYMOUS = "anonymous"
OWN = "provider_own"  # ines, provider of PT-IPVN (every file here is hers)
OTHER = "provider_other"  # a provider of another institution
ASSIGNED = "reviewer_assigned"  # agnieszka: invited to (or reviewed) the routed files
UNASSIGNED = "reviewer_unassigned"  # a reviewer with no assignment at all
OFFICER = "officer"
AGENCY = "agency"
ADMIN = "admin"
PRINCIPALS = (ANONYMOUS, OWN, OTHER, ASSIGNED, UNASSIGNED, OFFICER, AGENCY, ADMIN)
USERNAMES = {
    OWN: "ines",
    OTHER: "otto",
    ASSIGNED: "agnieszka",
    UNASSIGNED: "rita",
    OFFICER: "aoife",
    AGENCY: "astrid",
    ADMIN: "ada",
}

EVERYONE = frozenset(PRINCIPALS)
SIGNED_IN = EVERYONE - {ANONYMOUS}
STAFF = frozenset({OFFICER, ADMIN})
FOR_PROVIDER = STAFF | {OWN}  # require_provider_of: the own provider, and officers helping
DRAFT_AUTHOR = frozenset({OWN})  # a draft is its provider's alone until it is submitted
JUDGES_FOR_PROVIDER = frozenset({OWN, OFFICER})  # what the transition table lets fire
AUTHORS = frozenset({OWN, OTHER})  # providers belonging to an institution start new files
CHECKERS = AUTHORS | STAFF  # the descriptor form's inline check
AGENCY_OR_STAFF = STAFF | {AGENCY}

CSRF_REFUSALS = ("did not come from this site", "Cross-site request refused")
STALE = "0"  # every row starts at version 1: a version-0 form is always out of date
REASON = "The reviewer is on parental leave until March."
PACK_PERIOD = PackFilter(date(TODAY.year, 1, 1), date(TODAY.year, 12, 31))
#: ines's files, one per stage (see `_files`)
STAGE_KEYS = (
    "draft",
    "self_assessment",
    "screening",
    "peer_review",
    "sign_off",
    "decided",  # approved with conditions
    "revise",  # revise and resubmit
)


@dataclass(frozen=True)
class Case:
    """One request of the matrix: `path` has {placeholders} for the scene's objects."""

    path: str
    allowed: frozenset[str]
    data: Mapping[str, str | list[str]] | None = None
    htmx: bool = False
    ends_session: bool = False  # run after every other case (it signs the principal out)
    #: Principals for whom the object does not exist (404), e.g. another requester's pack.
    hidden: frozenset[str] = frozenset()


def case(
    path: str,
    allowed: Iterable[str],
    data: Mapping[str, str | list[str]] | None = None,
    *,
    htmx: bool = False,
    ends_session: bool = False,
    hidden: Iterable[str] = (),
) -> Case:
    return Case(path, frozenset(allowed), data, htmx, ends_session, frozenset(hidden))


# -- the expectations: every (method, route) the app registers -----------------------------------

#: Objects: {draft}, {self_assessment}, {screening}, {peer_review}, {sign_off}, {decided}
#: (approved with conditions), {revise} (revise and resubmit) are ines's files; {assignment}
#: is agnieszka's invitation to {peer_review}; {condition} belongs to {decided}; {spare} is a
#: user for the admin pages; {pack} is a queued audit pack; {extension} a pending request for
#: more time on {assignment}; {token} is an API token of ines.
EXPECTATIONS: dict[tuple[str, str], tuple[Case, ...]] = {
    # public
    ("GET", "/login"): (case("/login", EVERYONE),),
    ("POST", "/login"): (case("/login", EVERYONE, {"login": "nobody", "password": "wrong"}),),
    ("POST", "/logout"): (case("/logout", EVERYONE, ends_session=True),),
    ("GET", "/health"): (case("/health", EVERYONE),),
    ("GET", "/healthz"): (case("/healthz", EVERYONE),),
    ("GET", "/invite/{token}"): (case("/invite/no-such-token", EVERYONE),),
    ("POST", "/invite/{token}"): (
        case("/invite/no-such-token", EVERYONE, {"password": "x", "confirm": "x"}),
    ),
    # everyone signed in
    ("GET", "/"): (case("/", SIGNED_IN), case("/?stage=peer_review", SIGNED_IN, htmx=True)),
    ("GET", "/account"): (case("/account", SIGNED_IN),),
    ("POST", "/account/password"): (
        case(
            "/account/password",
            SIGNED_IN,
            {"current": "not my password", "password": "x" * 20, "confirm": "x" * 20},
        ),
    ),
    ("POST", "/account/tokens"): (case("/account/tokens", SIGNED_IN, {"token_name": ""}),),
    ("POST", "/account/tokens/{id:int}/revoke"): (
        case("/account/tokens/{token}/revoke", {OWN, ADMIN}),
    ),
    ("POST", "/account/sessions/end"): (
        case("/account/sessions/end", SIGNED_IN, ends_session=True),
    ),
    # the reviewer's pages: the assigned reviewer only (not even officers or admins)
    ("GET", "/reviews/{id:int}"): (case("/reviews/{assignment}", {ASSIGNED}),),
    ("POST", "/reviews/{id:int}/answer"): (
        case("/reviews/{assignment}/answer", {ASSIGNED}, {"accept": "1", "version": STALE}),
        case("/reviews/{assignment}/answer", {ASSIGNED}, {"conflict": "none", "version": STALE}),
    ),
    ("POST", "/reviews/{id:int}/scores/{criterion}"): (
        case("/reviews/{assignment}/scores/QUAL-1", {ASSIGNED}, {"level-QUAL-1": "2"}, htmx=True),
        # a plain form post is only sent back to the review page (which checks): no data read
        case("/reviews/{assignment}/scores/QUAL-1", SIGNED_IN, {"level-QUAL-1": "2"}),
    ),
    ("POST", "/reviews/{id:int}/extension"): (
        # the assigned reviewer gets 409 (the invitation is not accepted yet); others 403
        case("/reviews/{assignment}/extension", {ASSIGNED}, {"due": "", "reason": ""}),
    ),
    ("POST", "/reviews/{id:int}/submit"): (
        case(
            "/reviews/{assignment}/submit",
            {ASSIGNED},
            {"version": STALE, "recommendation": "approved", "summary": "Sound and well argued."},
        ),
    ),
    # the provider's pages
    ("GET", "/submissions/new"): (case("/submissions/new", AUTHORS),),
    ("POST", "/submissions/new"): (case("/submissions/new", AUTHORS, {"title": "Half done"}),),
    ("POST", "/submissions/validate/{field}"): (
        case("/submissions/validate/title", CHECKERS, {"title": "Data"}, htmx=True),
    ),
    ("GET", "/submissions/{id:int}"): (
        case("/submissions/{draft}", DRAFT_AUTHOR),
        case("/submissions/{self_assessment}", FOR_PROVIDER),
        case("/submissions/{screening}", FOR_PROVIDER),
        case("/submissions/{peer_review}", FOR_PROVIDER | {ASSIGNED}),
        case("/submissions/{sign_off}", FOR_PROVIDER | {ASSIGNED}),
        case("/submissions/{decided}", FOR_PROVIDER | {ASSIGNED, AGENCY}),
        case("/submissions/{revise}", FOR_PROVIDER | {ASSIGNED}),
    ),
    ("GET", "/submissions/{id:int}/edit"): (
        case("/submissions/{draft}/edit", DRAFT_AUTHOR),
        case("/submissions/{peer_review}/edit", FOR_PROVIDER),  # 409 for those allowed
    ),
    ("POST", "/submissions/{id:int}/edit"): (
        case("/submissions/{draft}/edit", DRAFT_AUTHOR, {"version": STALE, "title": "Changed"}),
    ),
    ("GET", "/submissions/{id:int}/submit"): (
        case("/submissions/{draft}/submit", DRAFT_AUTHOR),  # the review step before submit
    ),
    ("POST", "/submissions/{id:int}/submit"): (
        case("/submissions/{draft}/submit", DRAFT_AUTHOR, {"version": STALE}),
    ),
    ("GET", "/submissions/{id:int}/self-assessment"): (
        case("/submissions/{self_assessment}/self-assessment", FOR_PROVIDER),
        case("/submissions/{peer_review}/self-assessment", FOR_PROVIDER),
    ),
    ("POST", "/submissions/{id:int}/self-assessment/scores/{criterion}"): (
        case(
            "/submissions/{self_assessment}/self-assessment/scores/QUAL-1",
            FOR_PROVIDER,
            {"level-QUAL-1": "2", "evidence-QUAL-1": "handbook.pdf"},
            htmx=True,
        ),
    ),
    ("POST", "/submissions/{id:int}/self-assessment/submit"): (
        case(
            "/submissions/{self_assessment}/self-assessment/submit",
            FOR_PROVIDER,
            {"version": STALE},
        ),
    ),
    ("GET", "/submissions/{id:int}/resubmit"): (
        case("/submissions/{revise}/resubmit", FOR_PROVIDER),
    ),
    ("POST", "/submissions/{id:int}/resubmit"): (
        case("/submissions/{revise}/resubmit", FOR_PROVIDER, {"version": STALE}),
    ),
    ("POST", "/submissions/{id:int}/conditions/{condition:int}/report"): (
        case(
            "/submissions/{decided}/conditions/{condition}/report",
            FOR_PROVIDER,
            {"version": STALE, "evidence": "The exam regulations were published."},
        ),
    ),
    ("GET", "/submissions/{id:int}/withdraw"): (
        case("/submissions/{peer_review}/withdraw", JUDGES_FOR_PROVIDER),
    ),
    ("POST", "/submissions/{id:int}/withdraw"): (
        case(
            "/submissions/{peer_review}/withdraw",
            JUDGES_FOR_PROVIDER,
            {"version": STALE, "reason": "We no longer offer it.", "confirm": "yes"},
        ),
        # an incomplete form is refused as the GET form is, not shown again to a mere viewer
        case("/submissions/{peer_review}/withdraw", JUDGES_FOR_PROVIDER, {"version": STALE}),
        case("/submissions/{decided}/withdraw", FOR_PROVIDER, {"version": STALE}),
    ),
    # the QA office: officers and admins; admins cannot fire an officer's transition
    ("GET", "/officer"): (case("/officer", STAFF), case("/officer?stage=draft", STAFF, htmx=True)),
    ("GET", "/officer/notifications"): (case("/officer/notifications", STAFF),),
    ("GET", "/officer/assignment-round"): (case("/officer/assignment-round", STAFF),),
    # no pairing chosen: refused (422) for those allowed, nothing invited
    ("POST", "/officer/assignment-round"): (case("/officer/assignment-round", STAFF, {}),),
    ("GET", "/officer/conflicts"): (case("/officer/conflicts", STAFF),),
    ("GET", "/officer/review-quality"): (case("/officer/review-quality", STAFF),),
    ("POST", "/officer/conflicts/scan"): (case("/officer/conflicts/scan", STAFF, {}),),
    ("POST", "/officer/conflicts/{id:int}"): (
        case("/officer/conflicts/1", STAFF, {"version": STALE, "outcome": "confirm"}),
    ),
    ("GET", "/profile"): (case("/profile", {ASSIGNED, UNASSIGNED, ADMIN}),),
    ("POST", "/profile"): (case("/profile", {ASSIGNED, UNASSIGNED, ADMIN}, {"max_load": "x"}),),
    # no reason given: refused (422) for reviewers, nothing declared
    ("POST", "/profile/conflicts"): (
        case("/profile/conflicts", {ASSIGNED, UNASSIGNED}, {"institution_id": "1"}),
    ),
    # no dead letter in the scene: 404 for those allowed
    ("POST", "/officer/notifications/{id:int}/retry"): (
        case("/officer/notifications/1/retry", STAFF),
    ),
    ("GET", "/officer/submissions/{id:int}"): (
        case("/officer/submissions/{peer_review}", STAFF),
        case("/officer/submissions/{decided}", STAFF),
    ),
    ("POST", "/officer/submissions/{id:int}/screen"): (
        case(
            "/officer/submissions/{screening}/screen",
            {OFFICER},
            {"version": STALE, "outcome": "accept"},
        ),
    ),
    ("POST", "/officer/submissions/{id:int}/invite"): (
        case("/officer/submissions/{peer_review}/invite", STAFF, {}),
    ),
    ("POST", "/officer/submissions/{id:int}/consensus/{criterion}"): (
        case(
            "/officer/submissions/{peer_review}/consensus/QUAL-1",
            {OFFICER},
            {"level-QUAL-1": "2", "rationale-QUAL-1": "Agreed in the panel call."},
        ),
    ),
    ("POST", "/officer/submissions/{id:int}/moderation"): (
        case("/officer/submissions/{peer_review}/moderation", {OFFICER}, {"version": STALE}),
    ),
    ("POST", "/officer/submissions/{id:int}/sign-off"): (
        case(
            "/officer/submissions/{sign_off}/sign-off",
            {OFFICER},
            {"version": STALE, "decision": "approved"},
        ),
    ),
    ("POST", "/officer/assignments/{id:int}/cancel"): (
        case(
            "/officer/assignments/{assignment}/cancel", STAFF, {"version": STALE, "reason": REASON}
        ),
    ),
    ("POST", "/officer/assignments/{id:int}/reinvite"): (
        case("/officer/assignments/{assignment}/reinvite", STAFF, {"version": STALE}),
    ),
    ("POST", "/officer/assignments/{id:int}/reopen"): (
        case(
            "/officer/assignments/{assignment}/reopen", STAFF, {"version": STALE, "reason": REASON}
        ),
    ),
    # panel follow-up: officers and admins (a reminder is a harmless trace; 409 the second time)
    ("POST", "/officer/assignments/{id:int}/remind"): (
        case("/officer/assignments/{assignment}/remind", STAFF, {}),
    ),
    ("POST", "/officer/assignments/{id:int}/due-date"): (
        case(
            "/officer/assignments/{assignment}/due-date",
            STAFF,
            {"version": STALE, "due": "2099-01-01", "reason": REASON},
        ),
    ),
    ("POST", "/officer/extensions/{id:int}"): (
        case("/officer/extensions/{extension}", STAFF, {"decision": "decline", "note": ""}),
    ),
    ("POST", "/officer/conditions/{id:int}/met"): (
        case(
            "/officer/conditions/{condition}/met",
            {OFFICER},
            {"version": STALE, "evidence": "The exam regulations were published."},
        ),
    ),
    ("POST", "/officer/conditions/{id:int}/send-back"): (
        case(
            "/officer/conditions/{condition}/send-back",
            {OFFICER},
            {"version": STALE, "note": "The regulations are not on the page yet."},
        ),
    ),
    # administration: admins only (officers too are refused)
    ("GET", "/admin/users"): (
        case("/admin/users", {ADMIN}),
        case("/admin/users?q=a", {ADMIN}, htmx=True),
    ),
    ("GET", "/admin/users/new"): (case("/admin/users/new", {ADMIN}),),
    ("GET", "/admin/rubrics"): (case("/admin/rubrics", {ADMIN}),),
    ("GET", "/admin/settings"): (case("/admin/settings", {ADMIN}),),
    ("POST", "/admin/users/new"): (case("/admin/users/new", {ADMIN}, {"username": "x"}),),
    ("GET", "/admin/users/{id:int}"): (case("/admin/users/{spare}", {ADMIN}),),
    ("POST", "/admin/users/{id:int}"): (case("/admin/users/{spare}", {ADMIN}, {"email": ""}),),
    ("POST", "/admin/users/{id:int}/deactivate"): (
        case("/admin/users/{spare}/deactivate", {ADMIN}),
    ),
    ("POST", "/admin/users/{id:int}/reactivate"): (
        case("/admin/users/{spare}/reactivate", {ADMIN}),
    ),
    ("POST", "/admin/users/{id:int}/link"): (case("/admin/users/{spare}/link", {ADMIN}),),
    # decided files and audit packs: agencies, officers and admins
    ("GET", "/agency"): (
        case("/agency", AGENCY_OR_STAFF),
        case("/agency?decision=approved", AGENCY_OR_STAFF, htmx=True),
    ),
    ("GET", "/agency/packs"): (case("/agency/packs", AGENCY_OR_STAFF, htmx=True),),
    ("GET", "/agency/verify"): (case("/agency/verify", AGENCY_OR_STAFF),),
    ("POST", "/agency/packs"): (
        case(
            "/agency/packs", AGENCY_OR_STAFF, {"date_from": "2026-01-01", "date_to": "2026-12-31"}
        ),
    ),
    # queued packs: 422 for those allowed; another requester's pack does not exist for an
    # agency (the office's own, another agency's, and one that names the reviewers)
    ("GET", "/agency/packs/{id:int}/download"): (
        case("/agency/packs/{agency_pack}/download", AGENCY_OR_STAFF),
        case("/agency/packs/{pack}/download", STAFF, hidden={AGENCY}),
        case("/agency/packs/{foreign_pack}/download", STAFF, hidden={AGENCY}),
        case("/agency/packs/{named_pack}/download", STAFF, hidden={AGENCY}),
    ),
}


def registered_routes(app: Starlette) -> set[tuple[str, str]]:
    """(method, path) of every route of the app, except the static files' mount and the API
    (its own matrix: tests/web/api/test_api_authorization.py)."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.path in ("/static", "/api/v1"), f"an unexpected mount: {route.path}"
            continue
        assert isinstance(route, Route), f"an unexpected kind of route: {route!r}"
        found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return found


# -- the world ----------------------------------------------------------------------------------


@dataclass
class Scene:
    world: World
    ids: dict[str, int]
    users: dict[str, WebUser]  # by principal; the anonymous one holds only a session token
    sign_in: Callable[[str], WebUser]  # a new client signed in as any user

    def sign_everyone_in_again(self) -> None:
        """After a test that ended sessions (the others rely on these clients)."""
        for principal, user in self.users.items():
            if principal == ANONYMOUS:
                _login_page_token(user)
            else:
                user.sign_in()

    def path(self, template: str) -> str:
        return template.format_map(self.ids)

    def title(self, key: str) -> str:
        return self.world.submission(self.ids[key]).title


def _descriptor(good: dict[str, Any], number: int, title: str) -> dict[str, Any]:
    descriptor = copy.deepcopy(good)
    descriptor["external_id"] = f"IPVN-MC-2027-{number:03d}"
    descriptor["title"] = title
    return descriptor


def _draft(world: World, descriptor: dict[str, Any]) -> int:
    report = validate_descriptor(descriptor, today=world.today)
    assert report.descriptor is not None and world.provider.institution_id is not None
    with world.db.write() as session:
        draft = create_draft(
            session, world.provider, world.provider.institution_id, report.descriptor, ()
        )
        session.commit()
    assert draft.id is not None
    return draft.id


def _decide(world: World, submission_id: int, decision: str, **extra: Any) -> None:
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision=decision,
        rationale=extra.pop("rationale", "The panel's reasons are recorded in the reviews."),
        today=world.today,
        **extra,
    )


def _files(world: World, good: dict[str, Any]) -> dict[str, int]:
    """One of ines's files per stage (the peer-review file last: routing leaves it alone)."""
    files = {"draft": _draft(world, _descriptor(good, 1, "Draft Statistics"))}
    files["self_assessment"] = world.submit(_descriptor(good, 2, "Self-assessed Ethics"))
    world.route()
    files["screening"] = world.submit(_descriptor(good, 3, "Screened Pedagogy"))
    world.route()
    world.self_assess(files["screening"])
    files["sign_off"] = world.to_sign_off(_descriptor(good, 4, "Signed Accounting"))
    files["decided"] = world.to_sign_off(_descriptor(good, 5, "Decided Robotics"))
    condition = ConditionInput(
        "Publish the exam regulations", "Programme director", world.today + timedelta(days=90)
    )
    _decide(world, files["decided"], "approved_with_conditions", conditions=[condition])
    files["revise"] = world.to_sign_off(_descriptor(good, 6, "Revised Chemistry"))
    _decide(world, files["revise"], "revise_and_resubmit")
    files["peer_review"] = world.to_peer_review(_descriptor(good, 7, "Reviewed Geology"))
    files["secret"] = world.to_peer_review(_descriptor(good, 8, "Reviewed Astronomy"))
    expected = {
        "draft": "draft",
        "self_assessment": "self_assessment",
        "screening": "screening",
        "peer_review": "peer_review",
        "sign_off": "sign_off",
        "decided": "approved_with_conditions",
        "revise": "revise_and_resubmit",
        "secret": "peer_review",  # for the comment-secrecy test only
    }
    assert {key: world.stage(value) for key, value in files.items()} == expected
    return files


def _user_id(db: Database, username: str) -> int:
    with db.session() as session:
        user_id = session.exec(select(User.id).where(col(User.username) == username)).one()
    assert user_id is not None
    return user_id


def _people(world: World) -> dict[str, int]:
    """The principals that `build_world` lacks (added after routing, so nobody invites them)."""
    operator = Actor.cli("tests")
    add_institution(world.db, operator, code="ES-UCM", name="Universidad de Castilla", country="ES")
    for code, country in (("AG-A3ES", "PT"), ("AG-NOKUT", "NO")):
        add_institution(
            world.db, operator, code=code, name=f"Agency {code}", country=country, kind="agency"
        )
    people = (
        ("otto", "Otto Okafor", ["provider"], "ES-UCM"),
        ("rita", "Rita Rautio", ["reviewer"], None),
        ("astrid", "Astrid Agency", ["agency"], "AG-A3ES"),
        ("ada", "Ada Admin", ["admin"], None),
        ("spare", "Spare Person", ["agency"], "AG-NOKUT"),
    )
    for username, name, roles, institution in people:
        add_user(
            world.db,
            operator,
            username=username,
            email=f"{username}@example.org",
            display_name=name,
            roles=roles,
            institution_code=institution,
            password=WEB_PASSWORD,
            expertise=["0542"] if "reviewer" in roles else None,
            panel_role="subject_expert" if "reviewer" in roles else None,
        )
    with world.db.write() as session:
        for user in session.exec(select(User)):
            user.password_hash = hash_password(WEB_PASSWORD)
            session.add(user)
        session.commit()
    return {"spare": _user_id(world.db, "spare")}


def _packs(world: World) -> dict[str, int]:
    """Queued packs: the office's, astrid's, another agency's, and one naming reviewers."""
    with world.db.session() as session:
        users = {u.username: u for u in session.exec(select(User))}

    def as_agency(username: str) -> Actor:
        user = users[username]
        return Actor(username, user.id, frozenset({Role.AGENCY}), user.institution_id)

    requests = {
        "pack": (world.officers[0], False),
        "named_pack": (world.officers[0], True),
        "agency_pack": (as_agency("astrid"), False),
        "foreign_pack": (as_agency("spare"), False),
    }
    ids = {}
    for key, (who, named) in requests.items():
        pack = request_pack(world.db, who, PACK_PERIOD, reveal_reviewers=named)
        assert pack.id is not None
        ids[key] = pack.id
    return ids


def _login_page_token(user: WebUser) -> None:
    """The session's CSRF token as the sign-in page hands it out (signed in or not)."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', user.client.get("/login").text)
    assert found
    user.token = found.group(1)


def _anonymous(client: TestClient) -> WebUser:
    """Not signed in, but with the session's CSRF token."""
    anonymous = WebUser(client, "")
    _login_page_token(anonymous)
    return anonymous


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def module_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """As the `db` fixture (SQLite and PostgreSQL), once for the whole module."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("matrix") / "qa.sqlite3"
        shutil.copyfile(template, path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        _truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def scene(module_db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    world = build_world(module_db, TODAY)
    ids = _files(world, copy.deepcopy(GOOD_DESCRIPTOR)) | _people(world)
    mine = world.panel_member(ids["peer_review"], "subject_expert")
    assert mine.id is not None and mine.reviewer_id == _user_id(world.db, "agnieszka")
    ids["assignment"] = mine.id
    decision = world.decisions(ids["decided"])[0]
    with world.db.session() as session:
        condition_id = session.exec(
            select(Condition.id).where(Condition.decision_id == decision.id)
        ).one()
    assert condition_id is not None
    ids["condition"] = condition_id
    with world.db.write() as session:  # a pending request for more time (test data)
        asked = ExtensionRequest(
            assignment_id=mine.id,
            requested_by=mine.reviewer_id,
            current_due=mine.review_by,
            proposed_due=TODAY + timedelta(days=60),
            reason="Marking season at my university.",
        )
        session.add(asked)
        session.commit()
        assert asked.id is not None
        ids["extension"] = asked.id
    ids |= _packs(world)
    assert world.provider.user_id is not None
    ids["token"] = create_token(world.db, Actor.cli("tests"), world.provider.user_id, "m").view.id
    # agnieszka is on every routed file; rita is on none
    agnieszka, rita = _user_id(world.db, "agnieszka"), _user_id(world.db, "rita")
    for key in ("peer_review", "sign_off", "decided", "revise", "secret"):
        states = {a.reviewer_id: a.state for a in world.assignments(ids[key])}
        assert states.get(agnieszka) in ("invited", "submitted"), (key, states)
        assert rita not in states, key

    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path_factory.mktemp("data"))})
    app = create_app(settings, db=world.db)
    with ExitStack() as stack:

        def client() -> TestClient:
            return stack.enter_context(
                TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
            )

        def sign_in(username: str) -> WebUser:
            user = WebUser(client(), username)
            user.sign_in()
            return user

        users = {ANONYMOUS: _anonymous(client())}
        users |= {principal: sign_in(username) for principal, username in USERNAMES.items()}
        yield Scene(world, ids, users, sign_in)


# -- judging one answer -------------------------------------------------------------------------


def _sign_in_target(response: httpx.Response) -> str | None:
    if response.status_code == 303:
        return response.headers.get("location")
    if response.status_code == 204:
        return response.headers.get("hx-redirect")
    return None


def _problem(principal: str, case_: Case, path: str, response: httpx.Response) -> str | None:
    """What is wrong with this answer for this principal (None when it is as expected)."""
    status, body = response.status_code, response.text
    target = _sign_in_target(response)
    if status >= 500:
        return f"server error {status}"
    if principal in case_.hidden:
        return None if status == 404 else f"expected 404 (not theirs to see), got {status}"
    if principal in case_.allowed:
        if status in (401, 403):
            return f"refused with {status}: {_main(body)[:160]!r}"
        if target and target.startswith("/login?next="):
            return f"sent to sign in ({target})"
        return None
    if principal == ANONYMOUS:
        wanted = f"/login?next={urlsplit(path).path}"
        return None if target == wanted else f"expected a redirect to {wanted}, got {status}"
    if status != 403:
        return f"expected 403, got {status} (location {target!r}): {_main(body)[:160]!r}"
    if any(text in body for text in CSRF_REFUSALS):
        return "403 from the CSRF check, not from the policy (the test's token is wrong)"
    return None


def _call(user: WebUser, method: str, path: str, case_: Case) -> httpx.Response:
    if method == "GET":
        return user.get(path, htmx=case_.htmx)
    return user.post(path, dict(case_.data or {}), htmx=case_.htmx)


# -- the tests ----------------------------------------------------------------------------------


def test_every_registered_route_has_a_decision_in_the_table(
    sqlite_db: Database, tmp_path: Path
) -> None:
    """A new route cannot be added without saying who may call it (and stale rows go)."""
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=sqlite_db)
    registered = registered_routes(app)
    missing = sorted(registered - EXPECTATIONS.keys())
    assert not missing, f"routes without an entry in EXPECTATIONS: {missing}"
    stale = sorted(EXPECTATIONS.keys() - registered)
    assert not stale, f"EXPECTATIONS rows for routes the app no longer has: {stale}"
    routes = {
        (method, route.path): route
        for route in app.routes
        if isinstance(route, Route)
        for method in route.methods or ()
    }
    dummy = dict.fromkeys(re.findall(r"\{(\w+)\}", str(EXPECTATIONS)), 1)
    for key, cases in EXPECTATIONS.items():
        assert cases, f"{key}: no case"
        for one in cases:
            path = urlsplit(one.path.format_map(dummy)).path
            assert routes[key].path_regex.match(path), f"{key}: {one.path} is another route"
            assert one.allowed <= EVERYONE, f"{key}: unknown principals {one.allowed - EVERYONE}"
            assert one.data is None or key[0] == "POST", f"{key}: a GET with a form"


def test_the_role_by_endpoint_matrix(scene: Scene) -> None:
    """Every route × every principal, on their own and on someone else's objects."""
    checks: list[tuple[str, Case, str]] = [
        (method, one, principal)
        for (method, _), cases in EXPECTATIONS.items()
        for one in cases
        for principal in PRINCIPALS
    ]
    # sign-outs last, the public one after the rest (a stable sort keeps the table's order)
    checks.sort(key=lambda check: (check[1].ends_session, ANONYMOUS in check[1].allowed))
    problems = []
    try:
        for method, one, principal in checks:
            path = scene.path(one.path)
            response = _call(scene.users[principal], method, path, one)
            problem = _problem(principal, one, path, response)
            if one.ends_session:  # the session (and its token) is gone: the next case needs one
                _login_page_token(scene.users[principal])
            if problem:
                who = USERNAMES.get(principal, "not signed in")
                problems.append(f"{method} {path} ({one.path}) as {principal} ({who}): {problem}")
    finally:
        scene.sign_everyone_in_again()
    assert len(checks) > 500
    assert not problems, f"{len(problems)} of {len(checks)} checks failed:\n" + "\n".join(problems)
    static = scene.users[ANONYMOUS].get("/static/app.css")
    assert static.status_code == 200, "the static files are public"


def test_nobody_acts_on_another_institution_s_files_and_missing_ones_are_404(
    scene: Scene,
) -> None:
    otto, ines = scene.users[OTHER], scene.users[OWN]
    files = STAGE_KEYS
    pages = ("", "/edit", "/self-assessment", "/resubmit", "/withdraw")
    for key in files:
        base = scene.path(f"/submissions/{{{key}}}")
        for page in pages:
            response = otto.get(base + page)
            assert response.status_code == 403, (key, page, response.status_code)
        version = str(scene.world.submission(scene.ids[key]).version)  # the right version
        withdraw = {"version": version, "reason": "Not ours to withdraw", "confirm": "yes"}
        for action, data in (("/withdraw", withdraw), ("/submit", {"version": version})):
            response = otto.post(base + action, data)
            assert response.status_code == 403, (key, action, response.status_code)
        assert scene.title(key) not in otto.get("/").text, key
    assert {scene.world.stage(scene.ids[key]) for key in files} >= {"draft", "peer_review"}
    # The product does not hide existence: someone else's file is 403, a missing one 404.
    for user, path in ((otto, "/submissions/999999"), (ines, "/submissions/999999/edit")):
        assert user.get(path).status_code == 404, path
    assert scene.users[UNASSIGNED].get("/reviews/999999").status_code == 404


def test_a_reviewer_opens_only_their_own_assignment_and_never_the_self_assessment(
    scene: Scene,
) -> None:
    soren = scene.sign_in("soren")  # a co-reviewer of the same file
    mine = scene.path("/reviews/{assignment}")
    assignment = scene.world.assignment(scene.ids["assignment"])
    version = str(assignment.version)  # the right version: only the policy can refuse
    attempts: tuple[tuple[str, dict[str, str], bool], ...] = (
        ("/answer", {"accept": "1", "version": version}, False),
        ("/answer", {"decline": "1", "reason": "Busy", "version": version}, False),
        ("/answer", {"conflict": "declared", "details": "I wrote it", "version": version}, False),
        ("/scores/QUAL-1", {"level-QUAL-1": "0", "comment-QUAL-1": "Weak"}, True),
        ("/submit", {"version": version, "recommendation": "rejected", "summary": "x" * 30}, True),
    )
    for who in (soren, scene.users[UNASSIGNED], scene.users[OFFICER], scene.users[ADMIN]):
        response = who.get(mine)
        assert response.status_code == 403, (who.username, response.status_code)
        assert "assigned to someone else" in response.text
        for action, data, htmx in attempts:
            response = who.post(mine + action, data, htmx=htmx)
            assert response.status_code == 403, (who.username, action, response.status_code)
    assert scene.world.assignment(scene.ids["assignment"]).state == "invited"
    for key in ("self_assessment", "peer_review"):
        path = scene.path(f"/submissions/{{{key}}}/self-assessment")
        for who in (soren, scene.users[ASSIGNED], scene.users[AGENCY]):
            assert who.get(path).status_code == 403, (who.username, path)
            saved = who.post(f"{path}/scores/QUAL-1", {"level-QUAL-1": "3"}, htmx=True)
            assert saved.status_code == 403, (who.username, path)
    assert scene.users[ASSIGNED].get(mine).status_code == 200


def test_only_the_provider_side_is_offered_the_withdraw_form(scene: Scene) -> None:
    """Someone who may only see a file is refused the withdraw form, complete or not.

    The GET form refuses them (403); a POST without a reason or without the confirmation
    must too, rather than show them the confirmation page again (422) for a file they cannot
    withdraw.
    """
    for principal, key in ((ASSIGNED, "peer_review"), (ASSIGNED, "decided"), (AGENCY, "decided")):
        user, path = scene.users[principal], scene.path(f"/submissions/{{{key}}}/withdraw")
        assert scene.users[principal].get(path).status_code == 403, (principal, key)
        for form in ({"reason": ""}, {"reason": "Because", "confirm": ""}):
            response = user.post(path, {"version": STALE} | form)
            assert response.status_code == 403, (
                f"{principal} posting {form} to {path} got {response.status_code}: "
                f"{_main(response.text)[:160]!r}"
            )
    ines = scene.users[OWN]
    incomplete = ines.post(scene.path("/submissions/{peer_review}/withdraw"), {"version": STALE})
    assert incomplete.status_code == 422 and "Give a reason for withdrawing." in incomplete.text


def _main(page: str) -> str:
    """The page's main content, in one line (for assertion messages)."""
    text = page[max(page.find('<main id="main">'), 0) :]
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_an_agency_sees_decided_files_only(scene: Scene) -> None:
    agency = scene.users[AGENCY]
    home = agency.get("/").text
    for key in (key for key in STAGE_KEYS if key != "decided"):
        response = agency.get(scene.path(f"/submissions/{{{key}}}"))
        assert response.status_code == 403, (key, response.status_code)
        assert scene.title(key) not in home, key
    assert agency.get(scene.path("/submissions/{decided}")).status_code == 200
    assert scene.title("decided") in home
    listing = agency.get("/agency").text
    assert scene.title("decided") in listing
    # the revise-and-resubmit round is listed as the pack lists it, but not opened
    assert scene.title("revise") in listing
    assert scene.path('href="/submissions/{revise}"') not in listing
    assert scene.path('href="/submissions/{decided}"') in listing


REVIEWERS = ("agnieszka", "soren", "lucia")


def _people_on_the_file(world: World) -> list[str]:
    """Usernames, display names and e-mails of the reviewers and the signing officer."""
    with world.db.session() as session:
        users = session.exec(
            select(User).where(col(User.username).in_([*REVIEWERS, "aoife"]))
        ).all()
    return [text for user in users for text in (user.username, user.display_name, user.email)]


def test_blind_review_the_provider_and_the_agency_never_see_who_reviewed(scene: Scene) -> None:
    names = _people_on_the_file(scene.world)
    assert len(names) == 12
    ines, agency, officer = scene.users[OWN], scene.users[AGENCY], scene.users[OFFICER]
    decided, revise = scene.path("/submissions/{decided}"), scene.path("/submissions/{revise}")
    pages = {
        "ines: decided": ines.get(decided),
        "ines: revise": ines.get(revise),
        "ines: resubmit form": ines.get(f"{revise}/resubmit"),
        "ines: sign-off": ines.get(scene.path("/submissions/{sign_off}")),
        "ines: home": ines.get("/"),
        "agency: decided": agency.get(decided),
        "agency: list": agency.get("/agency"),
    }
    for label, response in pages.items():
        assert response.status_code == 200, label
        shown = [name for name in names if name in response.text]
        assert not shown, f"{label} shows {shown}"
    # the reviews themselves are there, under pseudonyms ...
    assert "Reviewer A" in pages["ines: decided"].text
    assert "Reviewer A" in pages["agency: decided"].text
    # ... and staff see the real names (so the names above would have shown up)
    staff_page = officer.get(decided).text
    assert "Agnieszka" in staff_page and "Reviewer A" not in staff_page


SECRET = "OPAQUE-MARKER-7Q3"  # a token that is no one's name (names are scrubbed for outsiders)


def test_a_reviewer_never_sees_another_reviewer_s_comments(scene: Scene) -> None:
    """Before and after their own submit, and after the decision (on a file of its own)."""
    world, db = scene.world, scene.world.db
    secret = scene.ids["secret"]
    mine = world.panel_member(secret, "subject_expert")
    theirs = world.panel_member(secret, "labour_market")
    soren = world.reviewer_for(theirs)
    assert mine.id is not None and theirs.id is not None
    done = respond(db, soren, theirs.id, expected_version=theirs.version, accept=True)
    declare_conflict(db, soren, theirs.id, expected_version=done.version, has_conflict=False)
    for criterion in world.rubric.criteria:
        entry = ScoreInput(criterion.id, level=3, comment=f"{SECRET} on {criterion.id}")
        save_review_score(db, soren, theirs.id, entry)
    agnieszka = scene.users[ASSIGNED]

    def assert_nothing_of_soren(moment: str) -> None:
        for path in (f"/reviews/{mine.id}", f"/submissions/{secret}", "/"):
            response = agnieszka.get(path)
            assert response.status_code == 200, (moment, path)
            assert SECRET not in response.text, f"{moment}: {path} shows Soren's comments"

    assert_nothing_of_soren("before her answer")
    world.review(world.assignment(mine.id))  # accept, score, submit (all 3s)
    assert world.assignment(mine.id).state == "submitted"
    assert_nothing_of_soren("after her submit")
    submit_review(
        db,
        soren,
        theirs.id,
        expected_version=world.assignment(theirs.id).version,
        recommendation="approved",
        summary=f"{SECRET} summary: the assessment tests every outcome.",
    )
    assert_nothing_of_soren("after his submit")
    world.route()
    assert world.stage(secret) == "sign_off"
    assert_nothing_of_soren("at sign-off")
    _decide(world, secret, "approved")
    assert_nothing_of_soren("after the decision")
    # controls: the secret is on the file for those who may read it, so a leak would show
    assert SECRET in scene.users[OFFICER].get(f"/submissions/{secret}").text
    assert SECRET in scene.users[OWN].get(f"/submissions/{secret}").text  # decided: summaries


# -- CSRF on an unsafe endpoint of every module ------------------------------------------------


@dataclass(frozen=True)
class Unsafe:
    module: str
    principal: str
    path: str
    attack: Mapping[str, str | list[str]]  # would change something if the request got through
    control: Mapping[str, str | list[str]]  # with the real token: refused by a precondition
    htmx: bool = False
    control_path: str | None = None  # where the control goes instead (default: `path`)
    signs_out: bool = False  # the control runs on a client of its own


def _unsafe(scene: Scene) -> tuple[Unsafe, ...]:
    world = scene.world

    def version(key: str) -> str:
        return str(world.submission(scene.ids[key]).version)

    new_password = "a new long passphrase"
    mallory: dict[str, str | list[str]] = {
        "username": "mallory",
        "display_name": "Mallory",
        "email": "mallory@example.org",
        "roles": ["admin"],
    }
    return (
        Unsafe(
            "reviews",
            ASSIGNED,
            "/reviews/{assignment}/answer",
            {
                "decline": "1",
                "reason": "Busy",
                "version": str(world.assignment(scene.ids["assignment"]).version),
            },
            {"accept": "1", "version": STALE},
        ),
        Unsafe(
            "provider",
            OWN,
            "/submissions/{draft}/submit",
            {"version": version("draft")},
            {"version": STALE},
        ),
        Unsafe(
            "provider",
            OWN,
            "/submissions/{self_assessment}/withdraw",
            {"version": version("self_assessment"), "reason": "Stop", "confirm": "yes"},
            {"version": STALE, "reason": "Stop", "confirm": "yes"},
        ),
        Unsafe("descriptor_form", OWN, "/submissions/new", {"title": "Forged"}, {}),
        Unsafe(
            "self_assessment",
            OWN,
            "/submissions/{self_assessment}/self-assessment/submit",
            {"version": version("self_assessment")},
            {"version": STALE},
        ),
        Unsafe(
            "officer",
            OFFICER,
            "/officer/submissions/{screening}/screen",
            {"version": version("screening"), "outcome": "accept"},
            {"version": STALE, "outcome": "accept"},
        ),
        Unsafe(
            "account",
            OWN,
            "/account/password",
            {"current": WEB_PASSWORD, "password": new_password, "confirm": new_password},
            {"current": "wrong", "password": new_password, "confirm": new_password},
        ),
        Unsafe("account", OWN, "/account/sessions/end", {}, {}, signs_out=True),
        Unsafe("admin", ADMIN, "/admin/users/new", mallory, {"username": "m"}),
        Unsafe(
            "admin",
            ADMIN,
            "/admin/users/{spare}/deactivate",
            {},
            {},
            control_path="/admin/users/999999/deactivate",  # 404: nobody to deactivate
        ),
        Unsafe(
            "agency",
            AGENCY,
            "/agency/packs",
            {"date_from": "2026-01-01", "date_to": "2026-12-31"},
            {"date_from": "2026-12-31", "date_to": "2026-01-01"},
        ),
        Unsafe("account (public)", ANONYMOUS, "/invite/no-such-token", {"password": "x"}, {}),
        Unsafe("auth", OWN, "/logout", {}, {}, signs_out=True),
    )


def _attacks(
    real: str, foreign: str, htmx: bool
) -> Iterator[tuple[str, dict[str, str], dict[str, str]]]:
    """(name, headers, extra form fields) of each forged request."""
    base = {"HX-Request": "true"} if htmx else {}
    yield "missing", base, {}
    yield "forged header", base | {"X-CSRF-Token": "forged"}, {}
    yield "forged field", base, {"csrf_token": "forged"}
    yield "another session's token", base | {"X-CSRF-Token": foreign}, {}
    yield "another session's token in the form", base, {"csrf_token": foreign}
    yield "cross-site", base | {"X-CSRF-Token": real, "Sec-Fetch-Site": "cross-site"}, {}
    yield "foreign origin", base | {"X-CSRF-Token": real, "Origin": "https://evil.example"}, {}
    yield "null origin", base | {"X-CSRF-Token": real, "Origin": "null"}, {}


def _fingerprint(scene: Scene) -> dict[str, Any]:
    """What the forged requests would have changed."""
    world = scene.world
    with world.db.session() as session:
        users = {
            user.username: (user.password_hash, user.session_version, user.is_active)
            for user in session.exec(select(User))
        }
        packs = len(session.exec(select(AuditPack.id)).all())
    stages = {key: world.stage(scene.ids[key]) for key in STAGE_KEYS}
    invitation = world.assignment(scene.ids["assignment"]).state
    return {"users": users, "packs": packs, "stages": stages, "invitation": invitation}


def test_every_module_refuses_unsafe_requests_without_the_session_s_token(scene: Scene) -> None:
    """Missing, forged, another session's, cross-site, foreign or null origin: 403, no change."""
    samples = _unsafe(scene)
    modules = {"reviews", "provider", "descriptor_form", "self_assessment", "officer"}
    assert {s.module for s in samples} >= modules | {"account", "admin", "agency", "auth"}
    before = _fingerprint(scene)
    problems = []
    for sample in samples:
        user = scene.users[sample.principal]
        other = scene.users[AGENCY if sample.principal != AGENCY else OFFICER]
        path = scene.path(sample.path)
        for name, headers, fields in _attacks(user.token, other.token, sample.htmx):
            response = user.client.post(
                path, data=dict(sample.attack) | fields, headers=headers, follow_redirects=False
            )
            refused = any(text in response.text for text in CSRF_REFUSALS)
            if response.status_code != 403 or not refused:
                problems.append(f"{sample.module} {path}, {name}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert _fingerprint(scene) == before, "a refused request changed something"
    assert scene.users[OWN].get("/").status_code == 200, "ines is still signed in"
    # controls: the same endpoints take the real token (and same-site headers)
    for sample in samples:
        user = scene.sign_in("lucia") if sample.signs_out else scene.users[sample.principal]
        headers = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
        headers |= {"X-CSRF-Token": user.token} | ({"HX-Request": "true"} if sample.htmx else {})
        path = scene.path(sample.control_path or sample.path)
        response = user.client.post(
            path, data=dict(sample.control), headers=headers, follow_redirects=False
        )
        assert response.status_code != 403, (sample.module, path, response.text[:200])
        if sample.signs_out:
            assert response.headers["location"] == "/login", path
            assert user.get("/").status_code == 303, f"{path} did not sign lucia out"


# -- htmx fragments and full pages ---------------------------------------------------------------

FRAGMENT_PAGES = (
    ("/", OWN),
    ("/?stage=peer_review", OFFICER),
    ("/officer", OFFICER),
    ("/officer", ADMIN),
    ("/agency", AGENCY),
    ("/agency?decision=approved_with_conditions", OFFICER),
    ("/admin/users", ADMIN),
    ("/admin/users?q=ines", ADMIN),
)


def test_htmx_gets_a_fragment_and_a_browser_the_whole_page(scene: Scene) -> None:
    for path, principal in FRAGMENT_PAGES:
        user = scene.users[principal]
        full, fragment = user.get(path), user.get(path, htmx=True)
        assert (full.status_code, fragment.status_code) == (200, 200), path
        assert "<html" in full.text, f"{path}: the full page is not a page"
        assert "<html" not in fragment.text and fragment.text.strip(), f"{path}: not a fragment"
        for response in (full, fragment):
            assert "HX-Request" in response.headers["vary"], path
    officer = scene.users[OFFICER]
    pushed = officer.get("/officer?stage=peer_review", htmx=True)
    assert pushed.headers["HX-Push-Url"].startswith("/officer")
    restore = officer.client.get(
        "/officer",
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        follow_redirects=False,
    )
    assert "<html" in restore.text, "a history restore needs the whole page"
    packs = scene.users[AGENCY].get("/agency/packs", htmx=True)
    assert packs.status_code == 200 and "<html" not in packs.text
    # a refusal is a fragment for htmx (into #messages) and a page otherwise
    ines = scene.users[OWN]
    for path in ("/officer", "/admin/users", scene.path("/reviews/{assignment}")):
        page, part = ines.get(path), ines.get(path, htmx=True)
        assert (page.status_code, part.status_code) == (403, 403), path
        assert "<html" in page.text and "<html" not in part.text, path
        assert part.headers["HX-Retarget"] == "#messages", path
    # every other page says that it varies with HX-Request
    for (method, _), cases in EXPECTATIONS.items():
        if method != "GET":
            continue
        for one in cases:
            who = next((p for p in PRINCIPALS if p in one.allowed and p != ANONYMOUS), ANONYMOUS)
            response = scene.users[who].get(scene.path(one.path), htmx=one.htmx)
            assert "HX-Request" in response.headers.get("vary", ""), one.path
