"""Review-quality figures over plain score rows: bootstrap intervals, self vs peer gaps,
reviewer severity against co-reviewers, per-file spread.

A *unit* is one criterion in one round of one file: the levels its peer reviewers gave
(None for cannot judge). The agreement statistic itself is passed in (the audit pack's
exact ordinal alpha), so this module stays free of the export layer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import fmean
from typing import TypeVar

import numpy as np

Unit = Sequence[int | None]
K = TypeVar("K", bound=Hashable)
LOW_AGREEMENT = 0.667  # Krippendorff's lowest tentatively acceptable alpha


@dataclass(frozen=True)
class Interval:
    estimate: float | None
    low: float | None
    high: float | None
    units: int

    @property
    def low_agreement(self) -> bool:
        """Flag for the rubric owner: the criterion may be poorly specified."""
        return self.estimate is not None and self.estimate < LOW_AGREEMENT


def bootstrap_counts(
    counts: Mapping[K, int],
    statistic: Callable[[Mapping[K, int]], float | None],
    *,
    draws: int = 400,
    seed: int = 2022,
) -> Interval:
    """The same percentile 95 % interval when units are given as counts of alike units.

    Units that give the statistic the same input (for agreement: the same multiset of
    levels) are one key; a resample of N units with replacement is then a multinomial
    draw of N over the keys, so a draw costs the number of distinct keys, not N. Keys are
    visited in sorted order and the generator is seeded: the same counts give the same
    interval on every build (the audit pack depends on it).
    """
    keys = sorted(k for k, n in counts.items() if n > 0)  # type: ignore[type-var]
    total = sum(counts[k] for k in keys)
    estimate = statistic(counts)
    if estimate is None or total < 2:
        return Interval(estimate, None, None, total)
    rng = np.random.default_rng(seed)
    resampled = rng.multinomial(total, [counts[k] / total for k in keys], size=draws)
    values = (
        statistic({k: int(n) for k, n in zip(keys, row, strict=True) if n}) for row in resampled
    )
    return _percentiles(estimate, values, draws, total)


def _percentiles(
    estimate: float, draws_values: Iterable[float | None], draws: int, units: int
) -> Interval:
    values = sorted(v for v in draws_values if v is not None)
    if len(values) < draws // 2:
        return Interval(estimate, None, None, units)
    return Interval(
        estimate,
        values[int(0.025 * (len(values) - 1))],
        values[int(0.975 * (len(values) - 1))],
        units,
    )


@dataclass(frozen=True)
class ScoreRow:
    """One judged level: who (a reviewer id, or None for the provider's self-assessment)."""

    file_round: tuple[int, int]  # (submission id, round)
    provider_id: int
    criterion: str
    reviewer_id: int | None
    level: int | None
    submitted_on: date | None = None  # when the sheet was submitted (the periods below)

    @property
    def principle(self) -> str:
        return self.criterion.split("-")[0]


def units_by(rows: Sequence[ScoreRow], key: Callable[[ScoreRow], str]) -> dict[str, list[Unit]]:
    """Peer units grouped by `key` (criterion or principle)."""
    grouped: dict[tuple[str, tuple[int, int], str], list[int | None]] = defaultdict(list)
    for row in rows:
        if row.reviewer_id is not None:
            grouped[(key(row), row.file_round, row.criterion)].append(row.level)
    out: dict[str, list[Unit]] = defaultdict(list)
    for (name, _, _), levels in sorted(grouped.items()):
        out[name].append(levels)
    return dict(out)


@dataclass(frozen=True)
class Gap:
    name: str
    self_mean: float
    peer_mean: float
    units: int

    @property
    def gap(self) -> float:
        """Positive: the provider rated itself higher than its peers did."""
        return self.self_mean - self.peer_mean


def self_peer_gaps(rows: Sequence[ScoreRow], key: Callable[[ScoreRow], str]) -> list[Gap]:
    """Self level against the peers' mean on the same unit, grouped by `key`."""
    own: dict[tuple[tuple[int, int], str], int] = {}
    peers: dict[tuple[tuple[int, int], str], list[int]] = defaultdict(list)
    names: dict[tuple[tuple[int, int], str], str] = {}
    for row in rows:
        if row.level is None:
            continue
        unit = (row.file_round, row.criterion)
        names[unit] = key(row)
        if row.reviewer_id is None:
            own[unit] = row.level
        else:
            peers[unit].append(row.level)
    pairs: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for unit, level in own.items():
        if peers.get(unit):
            pairs[names[unit]].append((level, fmean(peers[unit])))
    return [
        Gap(name, fmean(s for s, _ in p), fmean(m for _, m in p), len(p))
        for name, p in sorted(pairs.items())
    ]


@dataclass(frozen=True)
class Severity:
    reviewer_id: int
    offset: float  # mean of (own level - co-reviewers' mean); negative: stricter
    comparisons: int
    reviews: int


def severity(rows: Sequence[ScoreRow]) -> list[Severity]:
    """Each reviewer's leniency (+) or severity (-) against co-reviewers on the same units."""
    by_unit: dict[tuple[tuple[int, int], str], list[tuple[int, int]]] = defaultdict(list)
    for row in rows:
        if row.reviewer_id is not None and row.level is not None:
            by_unit[(row.file_round, row.criterion)].append((row.reviewer_id, row.level))
    offsets: dict[int, list[float]] = defaultdict(list)
    reviews: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for (file_round, _), scores in by_unit.items():
        for reviewer, level in scores:
            others = [lv for r, lv in scores if r != reviewer]
            if others:
                offsets[reviewer].append(level - fmean(others))
                reviews[reviewer].add(file_round)
    return sorted(
        (Severity(r, fmean(o), len(o), len(reviews[r])) for r, o in offsets.items()),
        key=lambda s: (s.offset, s.reviewer_id),
    )


#: How severity over time groups sheets: by calendar quarter or by month of submission.
PERIODS: dict[str, Callable[[date], str]] = {
    "quarter": lambda d: f"{d.year}-Q{(d.month - 1) // 3 + 1}",
    "month": lambda d: f"{d.year}-{d.month:02d}",
}


def severity_over_time(
    rows: Sequence[ScoreRow], period: Callable[[date], str]
) -> dict[int, list[tuple[str, Severity]]]:
    """Each reviewer's severity per period, oldest first.

    Offsets are taken exactly as in `severity` (against every co-reviewer on the unit,
    whenever they submitted) and each lands in the period of the reviewer's own sheet, so
    the periods of a reviewer add up to their overall figure. Rows without a submission
    date are left out.
    """
    by_unit: dict[tuple[tuple[int, int], str], list[tuple[int, int, date | None]]]
    by_unit = defaultdict(list)
    for row in rows:
        if row.reviewer_id is not None and row.level is not None:
            by_unit[(row.file_round, row.criterion)].append(
                (row.reviewer_id, row.level, row.submitted_on)
            )
    offsets: dict[tuple[int, str], list[float]] = defaultdict(list)
    reviews: dict[tuple[int, str], set[tuple[int, int]]] = defaultdict(set)
    for (file_round, _), scores in by_unit.items():
        for reviewer, level, submitted_on in scores:
            others = [lv for r, lv, _ in scores if r != reviewer]
            if others and submitted_on is not None:
                key = (reviewer, period(submitted_on))
                offsets[key].append(level - fmean(others))
                reviews[key].add(file_round)
    out: dict[int, list[tuple[str, Severity]]] = defaultdict(list)
    for reviewer, name in sorted(offsets):
        found = offsets[(reviewer, name)]
        out[reviewer].append(
            (name, Severity(reviewer, fmean(found), len(found), len(reviews[(reviewer, name)])))
        )
    return dict(out)


def file_spread(rows: Sequence[ScoreRow]) -> dict[tuple[int, int], float]:
    """Per file round: the mean range (max - min) of peer levels over its criteria."""
    by_unit: dict[tuple[tuple[int, int], str], list[int]] = defaultdict(list)
    for row in rows:
        if row.reviewer_id is not None and row.level is not None:
            by_unit[(row.file_round, row.criterion)].append(row.level)
    ranges: dict[tuple[int, int], list[int]] = defaultdict(list)
    for (file_round, _), levels in by_unit.items():
        if len(levels) >= 2:
            ranges[file_round].append(max(levels) - min(levels))
    return {fr: fmean(r) for fr, r in sorted(ranges.items())}
