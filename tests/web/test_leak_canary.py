"""Leak canary: distinctive reviewers and officers, named in every free text, never leak.

The world's reviewers and officers get unmistakable names, user names and e-mail addresses
(one with accents, mentioned without them). Free text everywhere mentions them: screening
reasons, comments per criterion, review summaries, a sign-off rationale, conditions and the
evidence that one was met, a revise-and-resubmit rationale, a reviewer's request for more
time. Then every page and fragment a provider or an agency can open (the resubmission form,
the self-assessment page while a file is back from screening), every message mailed to the
provider's people, and every file of an agency's audit pack (the workbook's XML parts too),
is scanned; any trace of a canary fails the test, naming the page, message or file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from sqlmodel import col, select

from qa.domain.enums import Role
from qa.domain.score_input import ScoreInput
from qa.export.pack import DeqarConfig
from qa.export.pack_jobs import build_next
from qa.persistence.models import Condition, Notification, User, UserRole
from qa.services.decisions.decisions import ConditionInput, mark_condition_met, sign_off
from qa.services.review.extensions import request_extension
from qa.services.review.reviews import declare_conflict, respond, save_review_score, submit_review
from qa.services.submissions.resubmission import resubmit
from tests.clock import TODAY
from tests.web.conftest import WebUser
from tests.world import World

#: username in the world -> (display name, user name, e-mail) of its canary
CANARIES = {
    "agnieszka": ("Zebulon Quaxworth", "zquax", "zebulon.quax@canary.example"),
    "soren": ("Philippa Wrenfield-Osei", "pwrenf", "p.wrenfield@canary.example"),
    "lucia": ("Ignatius Bramblecote", "ibramb", "ignatius@bramblecote-canary.example"),
    "aoife": ("Hortensia Vellacott", "hvella", "hortensia.vellacott@canary.example"),
    "lukas": ("Aurélie Gåsbakk", "agasbk", "aurelie.gasbakk@canary.example"),
}
#: Free text mentions them the ways people do: full names, surnames, user names, e-mails,
#: a name typed without its accents.
MENTIONS = (
    "Discussed with Zebulon Quaxworth (zebulon.quax@canary.example) and Quaxworth agreed.",
    "Philippa Wrenfield-Osei checked the evidence; ask pwrenf or p.wrenfield@canary.example.",
    "Bramblecote's note: ibramb will re-check (ignatius@bramblecote-canary.example).",
    "Per Hortensia Vellacott and hvella@ the office; copy hortensia.vellacott@canary.example.",
    "Signed after a call with Aurelie Gasbakk (agasbk, aurelie.gasbakk@canary.example).",
)


def _traces() -> list[str]:
    found = []
    for display_name, username, email in CANARIES.values():
        parts = [p for p in re.findall(r"\w+", display_name) if len(p) >= 4]
        found += [display_name, username, email, email.split("@")[0], *parts]
    found += ["Aurelie", "Gasbakk"]
    return found


TRACES = _traces()


def _leaks(text: str) -> list[str]:
    lowered = text.casefold()
    return [trace for trace in TRACES if trace.casefold() in lowered]


def _become_canaries(world: World) -> None:
    with world.db.write() as session:
        for user in session.exec(select(User).where(col(User.username).in_(CANARIES))):
            user.display_name, user.username, user.email = CANARIES[user.username]
            session.add(user)
        session.commit()


def _review(world: World, submission_id: int, recommendation: str) -> None:
    """Two reviewers score with comments and summaries that name everybody."""
    for n, assignment in enumerate(world.round_assignments(submission_id)[:2]):
        reviewer = world.reviewer_for(assignment)
        assert assignment.id is not None
        done = respond(
            world.db, reviewer, assignment.id, expected_version=assignment.version, accept=True
        )
        done = declare_conflict(
            world.db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
        )
        if n == 0:
            current = world.assignment(assignment.id).review_by or world.today
            request_extension(
                world.db,
                reviewer,
                assignment.id,
                proposed=max(current, world.today) + timedelta(days=7),
                reason=MENTIONS[1] + " " + MENTIONS[2],
                today=world.today,
            )
        for i, criterion in enumerate(world.rubric.criteria):
            comment = MENTIONS[(i + n) % len(MENTIONS)]
            save_review_score(
                world.db, reviewer, assignment.id, ScoreInput(criterion.id, 3, comment=comment)
            )
        submit_review(
            world.db,
            reviewer,
            assignment.id,
            expected_version=done.version,
            recommendation=recommendation,
            summary=" ".join(MENTIONS),
        )
    world.route()


@pytest.fixture
def canary_files(world: World, good_descriptor: dict[str, Any]) -> dict[str, int]:
    _become_canaries(world)
    files = {}
    for key, external_id, title in (
        ("conditions", "CANARY-1", "Applied Data Analysis"),
        ("revise", "CANARY-2", "Cloud Security Basics"),
    ):
        descriptor = good_descriptor | {"external_id": external_id, "title": title}
        submission_id = world.submit(descriptor)
        world.route()
        world.self_assess(submission_id)
        world.screen(submission_id, accept=False, reasons=MENTIONS[3] + " " + MENTIONS[4])
        world.route()
        world.self_assess(submission_id)
        world.screen(submission_id, accept=True)
        world.route()
        _review(world, submission_id, "approved")
        assert world.stage(submission_id) == "sign_off"
        files[key] = submission_id
    sign_off(
        world.db,
        world.officers[1],
        files["conditions"],
        expected_version=world.submission(files["conditions"]).version,
        decision="approved_with_conditions",
        rationale=" ".join(MENTIONS),
        conditions=[
            ConditionInput(MENTIONS[0], "Quaxworth's team", TODAY + timedelta(days=90)),
            ConditionInput(MENTIONS[2], "Quality office", TODAY + timedelta(days=120)),
        ],
        today=world.today,
    )
    sign_off(
        world.db,
        world.officers[1],
        files["revise"],
        expected_version=world.submission(files["revise"]).version,
        decision="revise_and_resubmit",
        rationale=" ".join(reversed(MENTIONS)),
        today=world.today,
    )
    world.route()
    with world.db.session() as session:
        condition = session.exec(select(Condition).order_by(col(Condition.id))).first()
    assert condition is not None and condition.id is not None
    mark_condition_met(
        world.db,
        world.officers[1],
        condition.id,
        expected_version=condition.version,
        evidence=MENTIONS[4] + " " + MENTIONS[0],
    )
    return files


def _resubmitted(world: World, submission_id: int) -> None:
    """The provider opens round 2 of the revise-and-resubmit file (round 1 stays in packs)."""
    version = world.submission(submission_id).version
    resubmit(world.db, world.provider, submission_id, expected_version=version, today=world.today)
    world.route()


def _pages(user: WebUser, paths: list[str]) -> Iterator[tuple[str, str]]:
    for path in paths:
        for htmx in (False, True):
            response = user.get(path, htmx=htmx)
            assert response.status_code == 200, (user.username, path, response.status_code)
            yield f"{user.username} {path}{' (htmx)' if htmx else ''}", response.text


def _pack_members(data: bytes) -> Iterator[tuple[str, str]]:
    with ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            content = archive.read(name)
            if name.endswith(".xlsx"):
                with ZipFile(io.BytesIO(content)) as book:
                    for part in book.namelist():
                        yield f"{name}:{part}", book.read(part).decode("utf-8", "replace")
            else:
                yield name, content.decode("utf-8", "replace")


def test_no_canary_reaches_a_provider_or_an_agency(
    world: World, canary_files: dict[str, int], web: Callable[[str], WebUser]
) -> None:
    world.add_agency_user("auditor", "AG-CANARY")
    provider, agency = web("ines"), web("auditor")
    files = list(canary_files.values())
    seen: list[tuple[str, str]] = []
    provider_paths = ["/", *(f"/submissions/{f}" for f in files)]
    provider_paths += [f"/submissions/{f}/self-assessment" for f in files]
    provider_paths.append(f"/submissions/{canary_files['revise']}/resubmit")
    seen += _pages(provider, provider_paths)
    # the per-criterion feedback (every reviewer's comment, naming everybody) is scanned too
    assert any("Feedback per criterion" in text for _, text in seen)
    _resubmitted(world, canary_files["revise"])
    seen += _pages(provider, [f"/submissions/{canary_files['revise']}", "/"])
    seen += _provider_mail(world)
    agency_paths = ["/", "/agency", "/agency?decision=approved_with_conditions"]
    agency_paths.append(f"/submissions/{canary_files['conditions']}")  # decided files only
    seen += _pages(agency, agency_paths)

    asked = agency.post(
        "/agency/packs",
        {"date_from": TODAY.replace(day=1).isoformat(), "date_to": TODAY.isoformat()},
    )
    assert asked.status_code == 303, asked.text
    app: Any = agency.client.app
    assert build_next(world.db, Path(app.state.settings.packs_dir), DeqarConfig()) is not None
    listing = agency.get("/agency/packs", htmx=True).text
    seen.append(("auditor /agency/packs (htmx)", listing))
    link = re.search(r'href="(/agency/packs/\d+/download)"', listing)
    assert link, listing
    download = agency.get(link.group(1))
    assert download.status_code == 200
    members = list(_pack_members(download.content))
    assert any(name.endswith("DEQAR.csv") for name, _ in members)
    seen += members

    # the canaries really are in what was written (else this test could not fail)
    staff_view = web("hvella").get(f"/submissions/{canary_files['conditions']}").text
    assert _leaks(staff_view), "the officer's own view should show the free text as written"
    assert any("R01" in text for name, text in members if name.endswith(".csv"))

    leaks = {where: found for where, text in seen if (found := _leaks(text))}
    assert not leaks, "identities leaked:\n" + "\n".join(f"{w}: {f}" for w, f in leaks.items())


def _provider_mail(world: World) -> Iterator[tuple[str, str]]:
    """Every message queued for the provider's people: e-mail leaves the office too."""
    with world.db.session() as session:
        provider_ids = select(UserRole.user_id).where(UserRole.role == Role.PROVIDER.value)
        query = select(Notification).where(col(Notification.recipient_id).in_(provider_ids))
        for message in session.exec(query.order_by(col(Notification.id))):
            yield f"e-mail to provider {message.key}", f"{message.subject}\n{message.body}"


def test_no_canary_reaches_a_provider_whose_file_was_returned_at_screening(
    world: World, good_descriptor: dict[str, Any], web: Callable[[str], WebUser]
) -> None:
    """The screening officer's reasons, shown while the provider revises, and mailed."""
    _become_canaries(world)
    submission_id = world.submit(good_descriptor | {"external_id": "CANARY-3"})
    world.route()
    world.self_assess(submission_id)
    world.screen(submission_id, accept=False, reasons=" ".join(MENTIONS))
    world.route()
    assert world.stage(submission_id) == "self_assessment"
    provider = web("ines")
    paths = ["/", f"/submissions/{submission_id}", f"/submissions/{submission_id}/self-assessment"]
    seen = [*_pages(provider, paths), *_provider_mail(world)]
    mails = [text for where, text in seen if where.startswith("e-mail")]
    assert any("returned at screening" in text for text in mails), "the provider is told"
    shown = provider.get(f"/submissions/{submission_id}/self-assessment").text
    assert "the QA office" in shown or "a reviewer" in shown, "the reasons are shown, scrubbed"
    leaks = {where: found for where, text in seen if (found := _leaks(text))}
    assert not leaks, "identities leaked:\n" + "\n".join(f"{w}: {f}" for w, f in leaks.items())
