"""Review quality in the pack, accumulated round by round during the score pass.

Per principle and per criterion: pattern counts of the peer units (so alpha and its
bootstrap interval come from `agreement.alpha_of_patterns` and
`review_stats.bootstrap_counts`), and the self-assessment vs peer gap; per reviewer (by the
pack's name for them, a pseudonym unless the pack names people) the severity against
co-reviewers, overall and per quarter of the reviewer's own sheet's submission day; per
round the spread of the reviewers' levels, written as the round passes. Memory grows with
the number of distinct level patterns and of reviewers x quarters, not with the pack.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from qa.domain.review_stats import PERIODS, Interval, bootstrap_counts
from qa.domain.rubric import Rubric
from qa.export.pack.agreement import Alpha, alpha_of_patterns, pattern
from qa.export.pack.pseudonyms import in_pack_order
from qa.export.pack.quality_contract import BOOTSTRAP_DRAWS, BOOTSTRAP_SEED
from qa.export.pack.writer import Sink

Patterns = Counter[tuple[int, ...]]
Levels = Mapping[str, int | None]
#: A peer sheet's level on one criterion: (reviewer's name in the pack, level, quarter).
Judged = tuple[str, int, str | None]
QUARTER = PERIODS["quarter"]


@dataclass
class Gap:
    """Self level against the reviewers' mean level, summed over units."""

    own: float = 0.0
    peers: float = 0.0
    units: int = 0

    def add(self, own: int, peer_mean: float) -> None:
        self.own += own
        self.peers += peer_mean
        self.units += 1

    def cells(self) -> list[Any]:
        if not self.units:
            return [None, None, None, 0]
        own, peers = self.own / self.units, self.peers / self.units
        return [own, peers, own - peers, self.units]


@dataclass
class Leniency:
    """Offsets against co-reviewers; `reviews` counts rounds (each round is added once)."""

    offsets: float = 0.0
    comparisons: int = 0
    reviews: int = 0

    def cells(self) -> list[Any]:
        """severity_offset, comparisons, reviews."""
        return [self.offsets / self.comparisons, self.comparisons, self.reviews]


def utc_day(value: datetime | None) -> date | None:
    """The UTC calendar day of a stored time, as the Review quality page takes it."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).date()


@dataclass
class Scope:
    """One principle, one criterion, or ALL."""

    patterns: Patterns = field(default_factory=Counter)
    gap: Gap = field(default_factory=Gap)

    def alpha(self) -> Alpha:
        return alpha_of_patterns(self.patterns)

    def interval(self) -> Interval:
        return alpha_interval(self.patterns)


def patterns_of(units: Iterable[Iterable[int | None]]) -> Patterns:
    """The pattern counts of plain units (see `agreement.pattern`); unpairable ones drop."""
    return Counter(found for unit in units if (found := pattern(unit)) is not None)


def alpha_interval(
    patterns: Mapping[tuple[int, ...], int], *, draws: int = BOOTSTRAP_DRAWS
) -> Interval:
    """Alpha with its bootstrap 95 % interval: the one computation behind the pack's
    Agreement tables and the officer's Review quality page, so both show the same figures
    for the same rounds."""
    return bootstrap_counts(
        patterns,
        lambda counts: alpha_of_patterns(counts).alpha,
        draws=draws,
        seed=BOOTSTRAP_SEED,
    )


def alpha_cells(alpha: Alpha) -> list[Any]:
    """level_of_measurement .. alpha, as in the Agreement tables."""
    return [
        "ordinal",
        alpha.units,
        alpha.pairable_values,
        None if alpha.observed is None else float(alpha.observed),
        None if alpha.expected is None else float(alpha.expected),
        alpha.alpha,
    ]


class ReviewQuality:
    def __init__(self, spread: Sink) -> None:
        self.spread = spread
        self.overall = Scope()
        self.principles: dict[str, Scope] = {}
        self.criteria: dict[str, Scope] = {}
        self.principle_of: dict[str, str] = {}
        self.reviewers: dict[str, Leniency] = {}
        self.quarters: dict[tuple[str, str], Leniency] = {}

    def add(
        self,
        key: tuple[int, int],
        rubric: Rubric,
        own: Levels | None,
        peers: Sequence[tuple[str, Levels]],
        days: Sequence[date | None] = (),
    ) -> None:
        """One round (each round once): its self-assessment levels and its submitted peer
        sheets' levels, with `days` the sheets' submission days (UTC) in the same order; a
        sheet without a day counts in the overall severity only, as on the page."""
        quarters = [None if day is None else QUARTER(day) for day in days]
        quarters += [None] * (len(peers) - len(quarters))
        ranges: list[int] = []
        reviewed: set[str] = set()
        reviewed_in: set[tuple[str, str]] = set()
        for criterion in rubric.criteria:
            cid = criterion.id
            self.principle_of.setdefault(cid, criterion.principle)
            scopes = (
                self.overall,
                self.principles.setdefault(criterion.principle, Scope()),
                self.criteria.setdefault(cid, Scope()),
            )
            judged: list[Judged] = [
                (who, level, quarter)
                for (who, levels), quarter in zip(peers, quarters, strict=True)
                if (level := levels.get(cid)) is not None
            ]
            if len(peers) >= 2 and (found := pattern(level for _, level, _ in judged)) is not None:
                for scope in scopes:
                    scope.patterns[found] += 1
            mine = own.get(cid) if own is not None else None
            if mine is not None and judged:
                peer_mean = sum(level for _, level, _ in judged) / len(judged)
                for scope in scopes:
                    scope.gap.add(mine, peer_mean)
            if len(judged) >= 2:
                self._compare(judged, reviewed, reviewed_in)
                values = [level for _, level, _ in judged]
                ranges.append(max(values) - min(values))
        for who in reviewed:
            self.reviewers[who].reviews += 1
        for when in reviewed_in:
            self.quarters[when].reviews += 1
        if ranges:
            self.spread.append([*key, len(ranges), sum(ranges) / len(ranges), max(ranges)])

    def _compare(
        self,
        judged: Sequence[Judged],
        reviewed: set[str],
        reviewed_in: set[tuple[str, str]],
    ) -> None:
        """Each level against the mean of the unit's other levels; the offset counts overall
        and in the quarter of the sheet it comes from."""
        total = sum(level for _, level, _ in judged)
        others = len(judged) - 1
        for who, level, quarter in judged:
            offset = level - (total - level) / others
            scopes = [self.reviewers.setdefault(who, Leniency())]
            reviewed.add(who)
            if quarter is not None:
                scopes.append(self.quarters.setdefault((who, quarter), Leniency()))
                reviewed_in.add((who, quarter))
            for leniency in scopes:
                leniency.offsets += offset
                leniency.comparisons += 1

    # -- rows -------------------------------------------------------------------------------

    def agreement_tail(self, code: str) -> list[Any]:
        """The interval and gap cells that end the Agreement line of a principle (or ALL)."""
        scope = self.overall if code == "ALL" else self.principles.get(code, Scope())
        interval = scope.interval()
        return [interval.low, interval.high, *scope.gap.cells()]

    def criterion_rows(self, order: Sequence[str]) -> Iterator[list[Any]]:
        """CriterionAgreement lines, in `order` (the pack's criterion columns)."""
        for cid in order:
            scope = self.criteria.get(cid)
            if scope is None or not scope.patterns:
                continue
            alpha = scope.alpha()
            interval = scope.interval()
            flag = None if alpha.alpha is None else ("yes" if interval.low_agreement else "no")
            yield [
                cid,
                self.principle_of.get(cid),
                *alpha_cells(alpha),
                interval.low,
                interval.high,
                flag,
                alpha.note or None,
                *scope.gap.cells(),
            ]

    def severity_rows(self) -> Iterator[list[Any]]:
        """ReviewerSeverity lines, by the reviewers' names in the pack (R01, R02, ... R100)."""
        for who in sorted(self.reviewers, key=in_pack_order):
            yield [who, *self.reviewers[who].cells()]

    def severity_by_quarter_rows(self) -> Iterator[list[Any]]:
        """ReviewerSeverityByQuarter lines: by reviewer (as above), then quarter, oldest first
        ("2026-Q1" < "2026-Q2" < "2027-Q1" as text)."""
        for who, quarter in sorted(self.quarters, key=lambda k: (in_pack_order(k[0]), k[1])):
            yield [who, quarter, *self.quarters[(who, quarter)].cells()]
