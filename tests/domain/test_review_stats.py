"""Review-quality figures: alpha through the page's path, bootstrap, gaps, severity, spread."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date
from statistics import fmean

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.domain.review_stats import (
    PERIODS,
    ScoreRow,
    bootstrap_counts,
    file_spread,
    self_peer_gaps,
    severity,
    severity_over_time,
    units_by,
)
from qa.export.pack.agreement import alpha_of_patterns, ordinal_alpha, pattern
from qa.export.pack.quality import alpha_interval, patterns_of
from tests.export.test_agreement import PAPER


def paper_rows() -> list[ScoreRow]:
    """Krippendorff (2011)'s worked example as score rows: unit u is criterion QUAL-u."""
    return [
        ScoreRow((1, 1), 1, f"QUAL-{unit}", observer, level)
        for observer, levels in enumerate(PAPER, start=1)
        for unit, level in enumerate(levels, start=1)
    ]


def test_alpha_per_principle_matches_the_published_worked_example() -> None:
    units = units_by(paper_rows(), lambda r: r.principle)["QUAL"]
    assert ordinal_alpha(units).alpha == pytest.approx(
        0.815, abs=5e-4
    )  # Krippendorff (2011): 0.815
    interval = alpha_interval(patterns_of(units), draws=200)
    assert interval.low is not None and interval.high is not None
    assert interval.low <= interval.estimate <= interval.high  # type: ignore[operator]
    assert alpha_interval(patterns_of(units), draws=200) == interval  # seeded: the same every time
    assert not interval.low_agreement


def test_disagreeing_reviewers_are_flagged_and_an_undefined_alpha_has_no_interval() -> None:
    rows = [
        ScoreRow((f, 1), 1, "VASS-2", r, level)
        for f, pair in enumerate([(0, 3), (3, 0), (1, 2), (2, 0)], start=1)
        for r, level in zip((10, 11), pair, strict=True)
    ]
    interval = alpha_interval(
        patterns_of(units_by(rows, lambda r: r.criterion)["VASS-2"]), draws=100
    )
    assert interval.low_agreement
    same = [ScoreRow((1, 1), 1, "VASS-2", r, 3) for r in (10, 11)]
    assert alpha_interval(patterns_of(units_by(same, lambda r: r.criterion)["VASS-2"])).low is None


def test_self_peer_gap_severity_and_spread() -> None:
    rows = [
        ScoreRow((1, 1), 7, "QUAL-1", None, 3),  # the provider's self-assessment
        ScoreRow((1, 1), 7, "QUAL-1", 10, 1),
        ScoreRow((1, 1), 7, "QUAL-1", 11, 2),
        ScoreRow((1, 1), 7, "QUAL-2", 10, 2),
        ScoreRow((1, 1), 7, "QUAL-2", 11, 3),
        ScoreRow((1, 1), 7, "QUAL-2", 12, None),  # cannot judge: left out
    ]
    (gap,) = self_peer_gaps(rows, lambda r: r.principle)
    assert (gap.name, gap.gap, gap.units) == ("QUAL", 1.5, 1)
    strict, lenient = severity(rows)
    assert (strict.reviewer_id, strict.offset, strict.comparisons) == (10, -1.0, 2)
    assert (lenient.reviewer_id, lenient.offset, lenient.reviews) == (11, 1.0, 1)
    assert file_spread(rows) == {(1, 1): 1.0}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=2, max_size=4),
        min_size=1,
        max_size=30,
    )
)
def test_alpha_from_pattern_counts_is_the_alpha_of_the_units(units: list[list[int | None]]) -> None:
    """The pack's bootstrap counts alike units; alpha over the counts must not change."""
    counts = Counter(p for u in units if (p := pattern(u)) is not None)
    assert alpha_of_patterns(counts) == ordinal_alpha(units)


def test_the_counted_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    units = units_by(paper_rows(), lambda r: r.principle)["QUAL"]
    counts = Counter(p for u in units if (p := pattern(u)) is not None)

    def statistic(c: Mapping[tuple[int, ...], int]) -> float | None:
        return alpha_of_patterns(c).alpha

    interval = bootstrap_counts(counts, statistic, draws=300)
    assert interval.estimate == pytest.approx(0.815, abs=5e-4)
    assert interval.low is not None and interval.high is not None
    assert interval.low <= interval.estimate <= interval.high  # type: ignore[operator]
    assert interval.units == sum(counts.values())
    assert bootstrap_counts(counts, statistic, draws=300) == interval  # the same every time
    assert bootstrap_counts(counts, statistic, draws=300, seed=7) != interval
    same: Counter[tuple[int, ...]] = Counter({(3, 3): 5})
    assert bootstrap_counts(same, statistic).low is None  # no variation


def test_severity_over_time_lands_in_the_period_of_the_reviewer_s_own_sheet() -> None:
    january, april = date(2026, 1, 20), date(2026, 4, 2)
    rows = [
        # file 1 in January: reviewer 10 gives 1 where 11 gives 3
        ScoreRow((1, 1), 7, "QUAL-1", 10, 1, january),
        ScoreRow((1, 1), 7, "QUAL-1", 11, 3, january),
        # file 2: 10 submits in April, 11 in January; the comparison still counts
        ScoreRow((2, 1), 7, "QUAL-1", 10, 3, april),
        ScoreRow((2, 1), 7, "QUAL-1", 11, 2, january),
        ScoreRow((2, 1), 7, "QUAL-2", 10, None, april),  # cannot judge: left out
        ScoreRow((2, 1), 7, "QUAL-1", None, 3, april),  # the self-assessment: not a reviewer
    ]
    trends = severity_over_time(rows, PERIODS["quarter"])
    assert [(p, s.offset, s.comparisons, s.reviews) for p, s in trends[10]] == [
        ("2026-Q1", -2.0, 1, 1),
        ("2026-Q2", 1.0, 1, 1),
    ]
    assert [(p, s.offset, s.reviews) for p, s in trends[11]] == [("2026-Q1", 0.5, 2)]
    overall = {s.reviewer_id: s.offset for s in severity(rows)}
    assert overall[10] == pytest.approx(fmean([-2.0, 1.0]))
    monthly = severity_over_time(rows, PERIODS["month"])
    assert [p for p, _ in monthly[10]] == ["2026-01", "2026-04"]
    assert severity_over_time([ScoreRow((1, 1), 7, "QUAL-1", 10, 1)], PERIODS["month"]) == {}
