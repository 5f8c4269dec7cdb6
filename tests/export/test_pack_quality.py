"""The review-quality figures in the pack: the Agreement extension, CriterionAgreement,
ReviewerSeverity and FileSpread agree with the officer page's computation, are stable, and
name no reviewer."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from sqlmodel import select

from qa.domain.review_stats import (
    LOW_AGREEMENT,
    file_spread,
    self_peer_gaps,
    severity,
    units_by,
)
from qa.export.pack.quality_contract import (
    CRITERION_AGREEMENT,
    FILE_SPREAD,
    QUALITY_TABLES,
    REVIEWER_SEVERITY,
)
from qa.export.review_quality import alpha_of, review_quality, score_rows
from qa.persistence.models import User
from tests.export.conftest import Decided, PackReader


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
        cid: alpha_of(units) for cid, units in units_by(rows, lambda r: r.criterion).items()
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


def test_a_pack_that_names_people_names_them_in_severity_too(decided: Decided) -> None:
    """The leak test above is not vacuous: the column does carry a person."""
    named = PackReader(decided.build("named.zip", reveal_reviewers=True).path)
    with decided.db.session() as session:
        names = {u.display_name for u in session.exec(select(User)).all()}
    reviewers = {line["reviewer"] for line in named.records(REVIEWER_SEVERITY.name)}
    assert reviewers and reviewers <= names


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
