"""A decided world for the audit-pack tests, built once per backend, and a pack reader.

Four decided submissions of provider PT-IPVN (decision dates set to fixed days of 2026):

* A "=HYPERLINK(...)" (a formula as title), EQF 6: reviewers disagree on QUAL-3, the
  officer moderates it to 2, approved on 2026-03-10;
* B, EQF 7: both reviewers give RECG-2 a 0, approved with two conditions on 2026-04-20,
  then its rationale is corrected (a second decision revision);
* C, EQF 6: all 3s, but the officer decides revise and resubmit on 2026-05-05; the provider
  resubmits and round 2 is approved on 2026-07-01;
* D, EQF 4: approved on 2026-06-01 (outside DEQAR's scope).
"""

from __future__ import annotations

import copy
import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zipfile import ZipFile

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import col, select

from qa.audit.signing import SigningKey
from qa.domain.score_input import ScoreInput
from qa.export.pack import DeqarConfig, PackFilter, PackResult, build_pack
from qa.persistence.db import Database
from qa.persistence.models import Decision, Institution, Score, Scoresheet
from qa.services.decisions.corrections import correct_decision
from qa.services.decisions.decisions import (
    ConditionInput,
    complete_moderation,
    save_consensus,
    sign_off,
)
from qa.services.submissions.resubmission import resubmit
from tests.clock import TODAY
from tests.conftest import GOOD_DESCRIPTOR, _truncate_all
from tests.world import World, build_world

#: The office key the test packs are signed with (packs are always signed in production).
OFFICE_KEY = SigningKey.generate()
FORMULA_TITLE = '=HYPERLINK("http://x","y")'
SCRUBBED_COMMENT = "Checked with Soren (soren@example.org) and agnieszka on the call"
#: (submission letter, round) -> the day its decision was signed
DECIDED_ON = {
    ("A", 1): date(2026, 3, 10),
    ("B", 1): date(2026, 4, 20),
    ("C", 1): date(2026, 5, 5),
    ("D", 1): date(2026, 6, 1),
    ("C", 2): date(2026, 7, 1),
}
#: Due dates of B's two conditions: still ahead whatever day the suite runs on.
CONDITION_DUE = (TODAY + timedelta(days=92), TODAY + timedelta(days=213))
WHOLE_YEAR = PackFilter(date(2026, 1, 1), date(2026, 12, 31))
DEQAR = DeqarConfig(
    agency_id="AGENCY-42",
    activity_id="ACT-7",
    report_url="https://agency.example/reports/{local_identifier}.pdf",
)
CHAIN_HEAD = "f" * 64


@dataclass
class Decided:
    """The decided world: its database, the submissions by letter, and the year's pack."""

    world: World
    ids: dict[str, int]
    folder: Path
    pack: PackResult = field(init=False)

    @property
    def db(self) -> Database:
        return self.world.db

    def build(self, name: str, wanted: PackFilter = WHOLE_YEAR, **options: Any) -> PackResult:
        options.setdefault("deqar", DEQAR)
        options.setdefault("signing_key", OFFICE_KEY)
        return build_pack(self.db, wanted, self.folder / name, **options)


def _descriptor(n: int, **changes: Any) -> dict[str, Any]:
    descriptor = copy.deepcopy(GOOD_DESCRIPTOR)
    descriptor["external_id"] = f"IPVN-MC-2027-10{n}"
    descriptor.update(changes)
    return {k: v for k, v in descriptor.items() if v is not None}


def _reviewed(
    world: World,
    descriptor: dict[str, Any],
    first_levels: dict[str, int],
    second_levels: dict[str, int],
) -> int:
    """Through peer review: two reviews (3 wherever no level is given), then routing."""
    submission_id = world.to_peer_review(descriptor)
    first, second, *_ = world.assignments(submission_id)
    world.review(first, first_levels)
    world.review(second, second_levels)
    world.route()
    return submission_id


def _sign(world: World, submission_id: int, decision: str, **options: Any) -> None:
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision=decision,
        rationale=options.pop("rationale", None),
        today=world.today,
        **options,
    )


def _decide(world: World) -> dict[str, int]:
    ids: dict[str, int] = {}
    officer = world.officers[0]
    # A: a disagreement on QUAL-3, moderated to 2, approved
    a = _reviewed(world, _descriptor(1, title=FORMULA_TITLE), {"QUAL-3": 0}, {"QUAL-3": 3})
    assert world.stage(a) == "moderation"
    save_consensus(
        world.db,
        officer,
        a,
        ScoreInput("QUAL-3", level=2, comment="Survey exists but no action plan yet"),
    )
    complete_moderation(world.db, officer, a, expected_version=world.submission(a).version)
    _sign(world, a, "approved")
    ids["A"] = a
    # B: RECG-2 at 0 from both reviewers, approved with conditions, then corrected
    b = _reviewed(
        world,
        _descriptor(2, title="Data Stewardship", eqf_level=7, qf_ehea_cycle="second"),
        {"RECG-2": 0},
        {"RECG-2": 0},
    )
    conditions = [
        ConditionInput("Publish a recognition procedure", "Quality office", CONDITION_DUE[0]),
        ConditionInput("Sign a recognition agreement", "Programme board", CONDITION_DUE[1]),
    ]
    _sign(world, b, "approved_with_conditions", conditions=conditions)
    ids["B"] = b
    # C: all 3s, but the officer asks for a revision
    c = _reviewed(world, _descriptor(3, title="Cloud Basics"), {}, {})
    _sign(
        world,
        c,
        "revise_and_resubmit",
        rationale="The awarding body's accreditation is being renewed; resubmit with it.",
    )
    ids["C"] = c
    # D: EQF 4, approved (national register, not DEQAR)
    d = _reviewed(
        world, _descriptor(4, title="Welding Safety", eqf_level=4, qf_ehea_cycle=None), {}, {}
    )
    _sign(world, d, "approved")
    ids["D"] = d
    # C, round 2: resubmitted, reviewed again (all 3s), approved on 2026-07-01
    resubmit(
        world.db, world.provider, c, expected_version=world.submission(c).version, today=world.today
    )
    world.route()
    world.self_assess(c)
    world.screen(c, accept=True)
    world.route()
    first, second, *_ = world.round_assignments(c)
    world.review(first)
    world.review(second)
    world.route()
    _sign(world, c, "approved")
    (first_b,) = [x for x in world.decisions(b) if x.revision == 1]
    assert first_b.id is not None
    correct_decision(
        world.db,
        world.officers[1],
        first_b.id,
        reason="Typo in the rationale",
        rationale="Two conditions on recognition; everything else is met.",
    )
    return ids


def _fix_dates_and_text(db: Database, ids: dict[str, int]) -> None:
    """Fixed decision days, a DEQAR id, and a reviewer's comment that names people."""
    with db.write() as session:
        for (letter, round_number), day in DECIDED_ON.items():
            session.execute(
                update(Decision)
                .where(
                    col(Decision.submission_id) == ids[letter],
                    col(Decision.round_number) == round_number,
                )
                .values(signed_at=datetime.combine(day, time(10, 30), UTC))
            )
        session.execute(
            update(Institution)
            .where(col(Institution.code) == "PT-IPVN")
            .values(deqar_id="DEQARINST0042")
        )
        peer_score = session.exec(
            select(Score.id)
            .join(Scoresheet, col(Scoresheet.id) == col(Score.scoresheet_id))
            .where(Scoresheet.submission_id == ids["A"], Scoresheet.kind == "peer")
            .order_by(col(Score.id))
        ).first()
        session.execute(
            update(Score).where(col(Score.id) == peer_score).values(comment=SCRUBBED_COMMENT)
        )
        session.commit()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])],
)
def decided(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Decided]:
    folder = tmp_path_factory.mktemp("pack")
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, folder / "qa.sqlite3")
        db = Database(f"sqlite:///{folder / 'qa.sqlite3'}")
    else:
        db = Database(request.getfixturevalue("postgres_url"))
        _truncate_all(db)
    world = build_world(db, TODAY)
    ids = _decide(world)
    _fix_dates_and_text(db, ids)
    found = Decided(world, ids, folder)
    found.pack = found.build("year.zip", chain_head=CHAIN_HEAD)
    yield found
    db.dispose()


# -- reading packs -----------------------------------------------------------------------------


class PackReader:
    """The members of a pack zip, its CSV tables and its workbook sheets."""

    def __init__(self, path: Path) -> None:
        with ZipFile(path) as archive:
            self.members = {name: archive.read(name) for name in archive.namelist()}

    def csv(self, table: str) -> list[list[str]]:
        raw = self.members[f"csv/{table}.csv"].decode("utf-8")
        return list(csv.reader(io.StringIO(raw, newline="")))

    def records(self, table: str) -> list[dict[str, str]]:
        header, *rows = self.csv(table)
        return [dict(zip(header, row, strict=True)) for row in rows]

    def sheets(self) -> dict[str, list[list[Any]]]:
        workbook = load_workbook(io.BytesIO(self.members["audit-pack.xlsx"]), read_only=True)
        try:
            return {
                ws.title: [list(row) for row in ws.iter_rows(values_only=True)]
                for ws in workbook.worksheets
            }
        finally:
            workbook.close()

    def texts(self) -> Iterator[tuple[str, str]]:
        """Every member as text, the workbook's parts one by one."""
        for name, data in self.members.items():
            if name.endswith(".xlsx"):
                with ZipFile(io.BytesIO(data)) as inner:
                    for part in inner.namelist():
                        yield f"{name}:{part}", inner.read(part).decode("utf-8")
            else:
                yield name, data.decode("utf-8")


def as_csv_text(value: Any) -> str:
    """A workbook cell as its CSV twin writes it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.16g}"
    return str(value)


@pytest.fixture(scope="module")
def reader(decided: Decided) -> PackReader:
    return PackReader(decided.pack.path)
