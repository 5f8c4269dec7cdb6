"""Steps for features/audit_pack.feature: the pack built through the builder API, read back
the way an agency opens it (the workbook, with openpyxl)."""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from openpyxl import load_workbook
from pytest_bdd import parsers, scenarios, then, when
from sqlalchemy import text as sql

from qa.audit.checkpoints import Checkpoint, parse_pack_document, signature_problems
from qa.audit.signing import SigningKey
from qa.audit.verification import verify_everything
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.export.pack import DeqarConfig, PackFilter, PackResult, build_pack, verify_pack
from qa.export.pack.manifest import dumps
from qa.export.pack_jobs import build_next, request_pack
from tests.bdd.conftest import ReviewFile

scenarios("audit_pack.feature")
pytestmark = pytest.mark.usefixtures("world")

REVIEWERS = ("agnieszka", "soren", "lucia")


@dataclass
class Download:
    """The pack the agency built, the filter it used and where it was written."""

    pack: PackResult
    wanted: PackFilter
    folder: Path

    def sheet(self, name: str) -> list[dict[str, Any]]:
        with ZipFile(self.pack.path) as archive:
            data = archive.read("audit-pack.xlsx")
        workbook = load_workbook(io.BytesIO(data), read_only=True)
        try:
            heading, *rows = workbook[name].iter_rows(values_only=True)
        finally:
            workbook.close()
        names = [str(name) for name in heading]
        return [dict(zip(names, row, strict=False)) for row in rows]


def _decision_day(review_file: ReviewFile) -> date:
    review_file.succeeded()
    (decision,) = review_file.world.decisions(review_file.submission_id)
    return decision.signed_at.date()


def _build(review_file: ReviewFile, wanted: PackFilter, folder: Path, name: str) -> PackResult:
    return build_pack(
        review_file.world.db,
        wanted,
        folder / name,
        deqar=DeqarConfig(agency_id="AGENCY-1", activity_id="ACT-1"),
    )


@when("the agency builds the audit pack for the day of the decision", target_fixture="download")
def _for_the_day(review_file: ReviewFile, tmp_path: Path) -> Download:
    day = _decision_day(review_file)
    wanted = PackFilter(day, day)
    return Download(_build(review_file, wanted, tmp_path, "pack.zip"), wanted, tmp_path)


@when(
    "the agency builds the audit pack for the year before the decision",
    target_fixture="download",
)
def _year_before(review_file: ReviewFile, tmp_path: Path) -> Download:
    day = _decision_day(review_file)
    wanted = PackFilter(day - timedelta(days=366), day - timedelta(days=1))
    return Download(_build(review_file, wanted, tmp_path, "pack.zip"), wanted, tmp_path)


@then("the pack verifies against its manifest")
def _verifies(download: Download) -> None:
    assert verify_pack(download.pack.path) == []


@then(
    parsers.parse(
        'the Decisions sheet shows "{title}" as "{decision}" with the rationale "{rationale}"'
    )
)
def _decision_shown(download: Download, title: str, decision: str, rationale: str) -> None:
    rows = [r for r in download.sheet("Decisions") if r["title"] == title]
    assert [(r["decision"], r["rationale"], r["current"]) for r in rows] == [
        (decision, rationale, "yes")
    ]
    assert rows[0]["recommended_decision"] and rows[0]["signer"].startswith("O")


@then(
    parsers.parse(
        'the PeerScores sheet has {count:d} reviews of "{title}", one scoring every criterion '
        "{first:d} and one scoring every criterion {second:d}"
    )
)
def _peer_scores(
    review_file: ReviewFile, download: Download, count: int, title: str, first: int, second: int
) -> None:
    (credential,) = [r for r in download.sheet("Credentials") if r["title"] == title]
    reviews = [
        r for r in download.sheet("PeerScores") if r["submission_id"] == credential["submission_id"]
    ]
    assert len(reviews) == count
    criteria = [c.id for c in review_file.world.rubric.criteria]
    levels = sorted({r[c] for c in criteria} for r in reviews)
    assert levels == sorted([{first}, {second}])


@then(parsers.parse('the DEQAR sheet has a positive decision for "{title}"'))
def _deqar_positive(download: Download, title: str) -> None:
    rows = download.sheet("DEQAR")
    assert [(r["programme[1].name_primary"], r["decision"]) for r in rows] == [(title, "1")]
    assert rows[0]["agency"] == "AGENCY-1"


@then("the DEQAR sheet is empty")
def _deqar_empty(download: Download) -> None:
    assert download.sheet("DEQAR") == []


@then("the Decisions sheet is empty")
def _no_decisions(download: Download) -> None:
    assert download.sheet("Decisions") == []


@then("no reviewer is named anywhere in the pack")
def _no_names(download: Download) -> None:
    with ZipFile(download.pack.path) as archive:
        texts = [archive.read(n) for n in archive.namelist() if not n.endswith(".xlsx")]
        with ZipFile(io.BytesIO(archive.read("audit-pack.xlsx"))) as book:
            texts += [book.read(name) for name in book.namelist()]
    for text in texts:
        lowered = text.decode("utf-8").casefold()
        assert not any(name in lowered for name in REVIEWERS)
        assert "@example.org" not in lowered


@then("building the pack again gives the same bytes")
def _same_bytes(review_file: ReviewFile, download: Download) -> None:
    again = _build(review_file, download.wanted, download.folder, "again.zip")
    assert again.path.read_bytes() == download.pack.path.read_bytes()


OFFICE_KEY = SigningKey.generate()
AGENCY = Actor("Agency auditor", None, frozenset({Role.AGENCY}), None)


@when(
    "the office's worker builds the audit pack the agency requested for the day of the decision",
    target_fixture="held_pack",
)
def _worker_builds(review_file: ReviewFile, tmp_path: Path) -> Path:
    day = _decision_day(review_file)
    db = review_file.world.db
    pack = request_pack(db, AGENCY, PackFilter(day, day))
    outcome = build_next(db, tmp_path, DeqarConfig(), checkpoint_key=OFFICE_KEY)
    assert outcome is not None and outcome.status == "ready"
    return tmp_path / f"audit-pack-{pack.id}.zip"


def _carried(held_pack: Path) -> list[Checkpoint]:
    with ZipFile(held_pack) as archive:
        return parse_pack_document(archive.read("checkpoints.json"), held_pack.name)


@then("the pack carries a checkpoint of the audit trail signed with the office's key")
def _signed(held_pack: Path) -> None:
    carried = _carried(held_pack)
    assert carried and verify_pack(held_pack) == []
    # what the agency does offline, with the office's published public key only
    assert all(OFFICE_KEY.public.verify(c.signed_bytes(), c.signature) for c in carried)
    assert signature_problems(carried, [OFFICE_KEY.public]) == []


@then("checking the office's audit trail against the pack finds it intact")
def _intact(review_file: ReviewFile, held_pack: Path) -> None:
    assert verify_everything(review_file.world.db, [OFFICE_KEY.public], _carried(held_pack)).ok


@when(
    "someone with access to the database deletes the newest audit entries and every stored "
    "checkpoint"
)
def _cut(review_file: ReviewFile) -> None:
    with review_file.world.db.engine.begin() as connection:
        newest = connection.execute(sql("SELECT max(seq) FROM audit_entry")).scalar_one()
        connection.execute(sql("DELETE FROM audit_entry WHERE seq > :s"), {"s": newest - 5})
        connection.execute(sql("DELETE FROM audit_checkpoint"))


@then("checking the office's audit trail against the pack reports entries deleted from the end")
def _cut_detected(review_file: ReviewFile, held_pack: Path) -> None:
    verdict = verify_everything(review_file.world.db, [OFFICE_KEY.public], _carried(held_pack))
    assert verdict.chain.ok  # the shortened chain is consistent in itself
    assert not verdict.ok
    assert any("entries were deleted from the end" in p for p in verdict.checkpoint_problems)


@then("the pack is signed by the office and verifies with the office's public key")
def _genuine(held_pack: Path) -> None:
    with ZipFile(held_pack) as archive:
        assert "manifest.sig" in archive.namelist()
    assert verify_pack(held_pack, [OFFICE_KEY.public]) == []


@when(
    parsers.parse(
        'someone changes the decision in Decisions.csv to "{decision}" and recomputes the manifest'
    )
)
def _forge(held_pack: Path, decision: str) -> None:
    with ZipFile(held_pack) as archive:
        members = {info: archive.read(info.filename) for info in archive.infolist()}
    manifest = next(data for info, data in members.items() if info.filename == "manifest.json")
    listing = json.loads(manifest)
    for info, data in list(members.items()):
        if info.filename == "csv/Decisions.csv":
            forged = data.replace(b",rejected,", f",{decision},".encode())
            assert forged != data
            members[info] = forged
            for entry in listing["files"]:
                if entry["path"] == info.filename:
                    entry["sha256"] = hashlib.sha256(forged).hexdigest()
                    entry["bytes"] = len(forged)
        if info.filename == "manifest.json":
            manifest_info = info
    members[manifest_info] = dumps(listing).encode()
    with ZipFile(held_pack, "w") as archive:
        for info, data in members.items():
            archive.writestr(info, data)


@then("verifying the pack with the office's public key says the signature does not match")
def _forged(held_pack: Path) -> None:
    problems = verify_pack(held_pack, [OFFICE_KEY.public])
    assert any("signature does not match" in problem for problem in problems), problems
