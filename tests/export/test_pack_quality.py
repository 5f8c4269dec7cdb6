"""The review-quality figures in the pack: the Agreement extension, CriterionAgreement,
ReviewerSeverity, ReviewerSeverityByQuarter and FileSpread agree with the officer page's
computation, are stable, and name no reviewer."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from qa.domain.review_stats import (
    LOW_AGREEMENT,
    PERIODS,
    ScoreRow,
    file_spread,
    self_peer_gaps,
    severity,
    severity_over_time,
    units_by,
)
from qa.export.pack.agreement import ordinal_alpha
from qa.export.pack.quality import ReviewQuality
from qa.export.pack.quality_contract import (
    CRITERION_AGREEMENT,
    FILE_SPREAD,
    QUALITY_TABLES,
    REVIEWER_SEVERITY,
    REVIEWER_SEVERITY_BY_QUARTER,
)
from qa.export.pack.writer import Sink
from qa.export.review_quality import review_quality, score_rows
from qa.persistence.models import Scoresheet, User
from qa.services.rubrics.rubric_files import load_rubric_file
from tests.export.conftest import DECIDED_ON, Decided, PackReader

MINIMAL = Path(__file__).resolve().parent.parent / "fixtures" / "rubrics" / "minimal.toml"
BY_QUARTER = REVIEWER_SEVERITY_BY_QUARTER.name
#: Test-local submission days for the peer sheets, given in turn by sheet id: four quarters,
#: so a round's reviewers submit in different quarters, none of them their decision's.
SHEET_DAYS = (date(2025, 11, 20), date(2026, 2, 14), date(2026, 5, 30), date(2026, 8, 31))


def _number(cell: str) -> float | None:
    return None if cell == "" else float(cell)


def test_agreement_lines_carry_an_interval_around_alpha_and_the_self_peer_gap(
    decided: Decided, reader: PackReader
) -> None:
    with decided.db.session() as session:
        rows = score_rows(session)
    gaps = {g.name: g for g in self_peer_gaps(rows, lambda r: r.principle)}
    lines = reader.records("Agreement")
    assert lines[0]["principle"] == "ALL"
    for line in lines:
        alpha, low, high = (_number(line[k]) for k in ("alpha", "alpha_ci_low", "alpha_ci_high"))
        if alpha is None:
            assert (low, high) == (None, None), line
        elif low is not None and high is not None:
            assert -1.0 <= low <= high <= 1.0, line
        if line["principle"] in gaps:
            gap = gaps[line["principle"]]
            assert float(line["self_peer_gap"]) == pytest.approx(gap.gap)
            assert float(line["self_mean"]) == pytest.approx(gap.self_mean)
            assert int(line["gap_units"]) == gap.units
    overall = next(line for line in lines if line["principle"] == "ALL")
    assert overall["alpha_ci_low"] != "" and int(overall["gap_units"]) > 0


def test_criterion_alpha_and_the_poorly_specified_flag(
    decided: Decided, reader: PackReader
) -> None:
    with decided.db.session() as session:
        rows = score_rows(session)
    expected = {
        cid: ordinal_alpha(units).alpha
        for cid, units in units_by(rows, lambda r: r.criterion).items()
    }
    lines = reader.records(CRITERION_AGREEMENT.name)
    assert lines, "every criterion of a round with two reviewers has a line"
    for line in lines:
        alpha = _number(line["alpha"])
        assert alpha == (
            None
            if expected[line["criterion_id"]] is None
            else pytest.approx(expected[line["criterion_id"]])
        )
        assert line["principle"] == line["criterion_id"].split("-")[0]
        if alpha is None:
            assert line["poorly_specified"] == "" and line["note"], line
        else:
            assert line["poorly_specified"] == ("yes" if alpha < LOW_AGREEMENT else "no")
    flagged = {line["criterion_id"] for line in lines if line["poorly_specified"] == "yes"}
    assert "QUAL-3" in flagged  # submission A's reviewers disagree on it (conftest)


def test_severity_and_spread_match_the_page_figures(decided: Decided, reader: PackReader) -> None:
    with decided.db.session() as session:
        rows = score_rows(session)
    lines = reader.records(REVIEWER_SEVERITY.name)
    page = severity(rows)
    assert sorted(float(line["severity_offset"]) for line in lines) == pytest.approx(
        sorted(s.offset for s in page)
    )
    assert Counter((int(x["comparisons"]), int(x["reviews"])) for x in lines) == Counter(
        (s.comparisons, s.reviews) for s in page
    )
    spread = {
        (int(x["submission_id"]), int(x["round"])): float(x["mean_range"])
        for x in reader.records(FILE_SPREAD.name)
    }
    assert spread == pytest.approx(file_spread(rows))
    assert all(int(x["max_range"]) <= 3 for x in reader.records(FILE_SPREAD.name))


def test_the_quality_tables_name_no_reviewer(decided: Decided, reader: PackReader) -> None:
    """Adversarial: every name, username, e-mail address and id of every seeded person is
    looked for in the new tables (CSV twins and workbook sheets alike)."""
    with decided.db.session() as session:
        users = session.exec(select(User)).all()
    needles = {
        text.casefold()
        for u in users
        for text in (u.display_name, u.username, u.email, u.email.split("@")[0])
        if text and len(text) > 2
    }
    sheets = reader.sheets()
    for table in QUALITY_TABLES:
        csv_text = reader.members[table.file].decode("utf-8").casefold()
        sheet = "\n".join(
            " ".join("" if c is None else str(c) for c in row) for row in sheets[table.name]
        ).casefold()
        for needle in needles:
            assert needle not in csv_text and needle not in sheet, (table.name, needle)
    reviewers = [line["reviewer"] for line in reader.records(REVIEWER_SEVERITY.name)]
    assert len(reviewers) >= 2
    assert all(re.fullmatch(r"R\d\d", who) for who in reviewers), reviewers
    peers = {line["reviewer"] for line in reader.records("PeerScores")}
    assert set(reviewers) <= peers  # the same per-pack pseudonyms as the score tables
    by_quarter = {line["reviewer"] for line in reader.records(BY_QUARTER)}
    assert by_quarter == set(reviewers)


def test_a_pack_that_names_people_names_them_in_severity_too(decided: Decided) -> None:
    """The leak test above is not vacuous: the column does carry a person."""
    named = PackReader(decided.build("named.zip", reveal_reviewers=True).path)
    with decided.db.session() as session:
        names = {u.display_name for u in session.exec(select(User)).all()}
    reviewers = {line["reviewer"] for line in named.records(REVIEWER_SEVERITY.name)}
    assert reviewers and reviewers <= names
    assert {line["reviewer"] for line in named.records(BY_QUARTER)} == reviewers


def test_the_quality_figures_rebuild_identically(decided: Decided, reader: PackReader) -> None:
    again = PackReader(decided.build("again.zip").path)
    for table in QUALITY_TABLES:
        assert again.members[table.file] == reader.members[table.file], table.name


def test_the_officer_page_and_the_pack_show_the_same_alpha_and_interval(
    decided: Decided, reader: PackReader
) -> None:
    """An officer and an agency comparing the two read the same numbers: one computation
    (pack.quality.alpha_interval) behind both, for each principle and each criterion."""
    page = review_quality(decided.db, decided.world.officers[0])
    for rows, table, key in (
        (page.principles, "Agreement", "principle"),
        (page.criteria, CRITERION_AGREEMENT.name, "criterion_id"),
    ):
        lines = {line[key]: line for line in reader.records(table)}
        assert {row.name for row in rows} <= set(lines), table
        compared = 0
        for row in rows:
            line, shown = lines[row.name], row.interval
            assert int(line["units"]) == shown.units, (table, row.name)
            for column, value in (
                ("alpha", shown.estimate),
                ("alpha_ci_low", shown.low),
                ("alpha_ci_high", shown.high),
            ):
                cell = _number(line[column])
                assert (cell is None) == (value is None), (table, row.name, column)
                if cell is not None:
                    assert cell == pytest.approx(value, abs=1e-6), (table, row.name, column)
            compared += shown.low is not None
        assert compared, f"{table}: no interval to compare"


# -- reviewer severity per quarter ---------------------------------------------------------

Point = tuple[str, float, int, int]  # quarter, severity_offset, comparisons, reviews


@contextmanager
def _peer_sheets_submitted_on(decided: Decided, days: Sequence[date]) -> Iterator[None]:
    """Peer sheets submitted on `days` in turn (by sheet id) for the block, then as before."""
    with decided.db.session() as session:
        saved = session.exec(
            select(Scoresheet.id, Scoresheet.submitted_at)
            .where(Scoresheet.kind == "peer", col(Scoresheet.submitted_at).is_not(None))
            .order_by(col(Scoresheet.id))
        ).all()

    def put(values: dict[int | None, datetime | None]) -> None:
        with decided.db.write() as session:
            for sheet_id, at in values.items():
                session.execute(
                    update(Scoresheet).where(col(Scoresheet.id) == sheet_id).values(submitted_at=at)
                )
            session.commit()

    put(
        {
            sheet_id: datetime.combine(days[n % len(days)], time(12), UTC)
            for n, (sheet_id, _) in enumerate(saved)
        }
    )
    try:
        yield
    finally:
        put(dict(saved))


def _page_points(rows: Sequence[ScoreRow]) -> dict[int, list[Point]]:
    return {
        reviewer: [(name, s.offset, s.comparisons, s.reviews) for name, s in points]
        for reviewer, points in severity_over_time(rows, PERIODS["quarter"]).items()
    }


def _pack_points(reader: PackReader) -> dict[str, list[Point]]:
    lines = reader.records(BY_QUARTER)
    order = [(line["reviewer"], line["quarter"]) for line in lines]
    assert order == sorted(order) and len(set(order)) == len(order), order
    found: dict[str, list[Point]] = {}
    for line in lines:
        assert re.fullmatch(r"\d{4}-Q[1-4]", line["quarter"]), line
        found.setdefault(line["reviewer"], []).append(
            (
                line["quarter"],
                float(line["severity_offset"]),
                int(line["comparisons"]),
                int(line["reviews"]),
            )
        )
    return found


def _same(page: list[Point], pack: list[Point]) -> bool:
    return len(page) == len(pack) and all(
        (a[0], a[2], a[3]) == (b[0], b[2], b[3]) and a[1] == pytest.approx(b[1])
        for a, b in zip(page, pack, strict=True)
    )


def _match(page: dict[int, list[Point]], pack: dict[str, list[Point]]) -> dict[int, str]:
    """Reviewer id -> pack name, by their per-quarter figures; every one matched once."""
    free = sorted(pack)
    matched: dict[int, str] = {}
    for reviewer, points in sorted(page.items()):
        found = [name for name in free if _same(points, pack[name])]
        assert found, f"no pack reviewer has the page's figures of {reviewer}: {points}"
        matched[reviewer] = found[0]
        free.remove(found[0])
    assert not free, f"pack reviewers the page does not have: {free}"
    return matched


def test_severity_by_quarter_matches_the_page_in_the_fixture(
    decided: Decided, reader: PackReader
) -> None:
    with decided.db.session() as session:
        rows = score_rows(session)
    page = _page_points(rows)
    assert page
    matched = _match(page, _pack_points(reader))
    overall = {line["reviewer"]: line for line in reader.records(REVIEWER_SEVERITY.name)}
    for reviewer, name in matched.items():  # the quarters add up to the overall line
        points = page[reviewer]
        assert sum(p[2] for p in points) == int(overall[name]["comparisons"])
        assert sum(p[3] for p in points) == int(overall[name]["reviews"])


def test_severity_by_quarter_lands_in_the_quarter_of_the_reviewers_own_sheet(
    decided: Decided,
) -> None:
    """With peer sheets submitted across four quarters (a round's reviewers in different
    ones), the pack's lines are the page's severity over time by quarter, reviewer for
    reviewer; the figures by decision day would differ, so a wrong date fails this."""
    with _peer_sheets_submitted_on(decided, SHEET_DAYS):
        with decided.db.session() as session:
            rows = score_rows(session)
        spread = PackReader(decided.build("quarters.zip").path)
    page = _page_points(rows)
    assert len({p[0] for points in page.values() for p in points}) >= 2
    assert sum(len(points) > 1 for points in page.values()) >= 1  # someone's trend moves
    pack = _pack_points(spread)
    matched = _match(page, pack)
    severity_lines = spread.records(REVIEWER_SEVERITY.name)
    assert {line["reviewer"] for line in severity_lines} == set(matched.values())

    decided_on = {
        (decided.ids[letter], number): day for (letter, number), day in DECIDED_ON.items()
    }
    by_decision = [replace(r, submitted_on=decided_on[r.file_round]) for r in rows]
    wrong = _page_points(by_decision)
    assert Counter(tuple(p[0] for p in v) for v in wrong.values()) != Counter(
        tuple(p[0] for p in v) for v in pack.values()
    ), "the sheet days must tell the reviewer's own quarter from the decision's"


def test_a_peer_sheet_without_a_day_counts_in_the_overall_severity_only() -> None:
    """The pass's rule, next to the page's: offsets against every co-reviewer, each in the
    quarter of the reviewer's own sheet; a sheet without a day in no quarter."""
    rubric = load_rubric_file(MINIMAL)
    cid = rubric.criteria[0].id
    spread: list[list[Any]] = []
    quality = ReviewQuality(cast(Sink, SimpleNamespace(append=spread.append)))
    rounds = (
        ((1, 1), {"R01": (3, date(2026, 2, 1)), "R02": (1, None)}),
        ((2, 1), {"R01": (2, date(2026, 4, 1)), "R02": (2, date(2026, 6, 30))}),
    )
    for key, sheets in rounds:
        peers = [(who, {cid: level}) for who, (level, _) in sheets.items()]
        quality.add(key, rubric, None, peers, [day for _, day in sheets.values()])
    assert list(quality.severity_rows()) == [["R01", 1.0, 2, 2], ["R02", -1.0, 2, 2]]
    assert list(quality.severity_by_quarter_rows()) == [
        ["R01", "2026-Q1", 2.0, 1, 1],
        ["R01", "2026-Q2", 0.0, 1, 1],
        ["R02", "2026-Q2", 0.0, 1, 1],
    ]
    rows = [
        ScoreRow(key, 1, cid, int(who[1:]), level, day)
        for key, sheets in rounds
        for who, (level, day) in sheets.items()
    ]
    assert _page_points(rows) == {
        1: [("2026-Q1", 2.0, 1, 1), ("2026-Q2", 0.0, 1, 1)],
        2: [("2026-Q2", 0.0, 1, 1)],
    }
