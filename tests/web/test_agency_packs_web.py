"""The agency page's audit packs: request, progress while building, list, download."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from qa.export.pack import DeqarConfig
from qa.export.pack_jobs import build_next
from qa.persistence.models import AuditEntry
from tests.clock import TODAY
from tests.web.test_agency_web import Files, Web, files  # noqa: F401 - shared fixture
from tests.world import World


def packs_dir(web_user: Any) -> Path:
    return Path(web_user.client.app.state.settings.packs_dir)


def test_an_agency_requests_a_pack_watches_it_build_and_downloads_it(
    files: Files,  # noqa: F811
    web: Web,
    world: World,
) -> None:
    agency = web("agency1")
    page = agency.get("/agency").text
    assert "Build audit pack" in page and "No audit packs have been built yet" in page
    assert "Name the reviewers" not in page  # agencies get pseudonyms
    # The year around today's clock, so the decided files are inside it whatever the date.
    year = {
        "date_from": (TODAY - timedelta(days=365)).isoformat(),
        "date_to": (TODAY + timedelta(days=1)).isoformat(),
    }
    asked = agency.post("/agency/packs", year)
    assert asked.status_code == 303 and asked.headers["location"] == "/agency?built=1#audit-packs"
    assert "Your audit pack is queued" in agency.get("/agency?built=1").text
    opened = agency.get("/agency/packs")  # opened directly: a page of its own, not a redirect
    assert opened.status_code == 200 and "HX-Request" in opened.headers["vary"]
    assert "<html" in opened.text and "<h1>Audit packs</h1>" in opened.text
    assert 'id="pack-list"' in opened.text and "queued" in opened.text
    assert 'href="/agency#audit-packs"' in opened.text  # the way to request another pack
    listing = agency.get("/agency/packs", htmx=True).text
    assert "queued" in listing and 'hx-trigger="every 2s"' in listing  # polls while busy
    assert "<html" not in listing and "<h1>" not in listing

    outcome = build_next(world.db, packs_dir(agency), DeqarConfig())  # the worker's step
    assert outcome is not None and outcome.status == "ready"
    listing = agency.get("/agency/packs", htmx=True).text
    assert "ready" in listing and "every 2s" not in listing  # polling stops
    assert "empty" not in listing  # the year holds the decided files
    link = re.search(r'href="(/agency/packs/\d+/download)"', listing)
    assert link
    download = agency.get(link.group(1))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert "attachment" in download.headers["content-disposition"]
    assert hashlib.sha256(download.content).hexdigest() in listing  # the listed checksum
    with world.db.session() as session:
        audited = session.exec(
            select(AuditEntry.id).where(AuditEntry.action == "pack.downloaded")
        ).all()
    assert len(audited) == 1


def test_providers_and_reviewers_cannot_list_request_or_download_packs(
    files: Files,  # noqa: F811
    web: Web,
    world: World,
) -> None:
    web("agency1").post("/agency/packs", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
    build_next(world.db, packs_dir(web("agency1")), DeqarConfig())
    for outsider in ("ines", "agnieszka"):
        user = web(outsider)
        assert user.get("/agency/packs", htmx=True).status_code == 403
        assert user.get("/agency/packs/1/download").status_code == 403
        refused = user.post("/agency/packs", {"date_from": "2026-01-01", "date_to": "2026-12-31"})
        assert refused.status_code == 403


def test_a_bad_period_is_refused_with_a_clear_message(
    files: Files,  # noqa: F811
    web: Web,
) -> None:
    agency = web("agency1")
    reversed_period = agency.post(
        "/agency/packs", {"date_from": "2026-12-31", "date_to": "2026-01-01"}
    )
    assert reversed_period.status_code == 422
    assert "end of the period is before its start" in reversed_period.text
    missing = agency.post("/agency/packs", {"date_from": "", "date_to": "2026-01-01"})
    assert missing.status_code == 422 and "in the calendar" in missing.text


def test_officers_may_ask_for_named_reviewers(
    files: Files,  # noqa: F811
    web: Web,
    world: World,
) -> None:
    officer = web("aoife")
    assert "Name the reviewers" in officer.get("/agency").text


def test_the_pack_list_opened_directly_is_a_full_page_and_via_htmx_a_fragment(
    files: Files,  # noqa: F811
    web: Web,
) -> None:
    agency = web("agency1")
    page = agency.get("/agency/packs")
    assert page.status_code == 200  # not a redirect
    assert "<html" in page.text and "</header>" in page.text  # the layout, with its header
    assert "No audit packs have been built yet" in page.text
    fragment = agency.get("/agency/packs", htmx=True)
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'id="pack-list"' in fragment.text
    assert "HX-Request" in page.headers["vary"] and "HX-Request" in fragment.headers["vary"]
