"""Krippendorff's alpha for ordinal data, accumulated one unit at a time (exact arithmetic).

A unit is one criterion in one round; its values are the levels the peer reviewers gave
(cannot judge is missing). Only the coincidence matrix is kept, so memory does not grow with
the number of units. Pure Python on purpose: the matrix is at most 4 x 4 here, and the
`krippendorff` package would add NumPy and need the whole reliability matrix in memory. The
result matches Krippendorff (2011), "Computing Krippendorff's alpha-reliability" (ordinal
alpha 0.815 for the worked example; see tests/export/test_agreement.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations


@dataclass(frozen=True)
class Alpha:
    units: int  # units with at least two values (pairable)
    pairable_values: int  # n: the values in those units
    observed: Fraction | None  # D_o
    expected: Fraction | None  # D_e
    alpha: float | None
    note: str  # why alpha is None, when it is


class OrdinalAlpha:
    """Feed units with `add`; read the result with `result()`."""

    def __init__(self) -> None:
        #: (m, c, k) -> number of ordered pairs (c, k) within units of m values
        self._pairs: Counter[tuple[int, int, int]] = Counter()
        self.units = 0

    def add(self, values: Iterable[int | None], times: int = 1) -> None:
        """One unit's values (`times` alike units at once)."""
        judged = [v for v in values if v is not None]
        m = len(judged)
        if m < 2:
            return
        self.units += times
        for c, k in permutations(judged, 2):
            self._pairs[(m, c, k)] += times

    def result(self) -> Alpha:
        coincidences: dict[tuple[int, int], Fraction] = {}
        for (m, c, k), count in self._pairs.items():
            coincidences[(c, k)] = coincidences.get((c, k), Fraction(0)) + Fraction(count, m - 1)
        marginals: dict[int, Fraction] = {}
        for (c, _k), weight in coincidences.items():
            marginals[c] = marginals.get(c, Fraction(0)) + weight
        n = sum(marginals.values(), Fraction(0))
        if n < 2:
            return Alpha(self.units, int(n), None, None, None, "fewer than two pairable values")
        delta = _ordinal_distances(marginals)
        observed = sum((w * delta[pair] for pair, w in coincidences.items()), Fraction(0)) / n
        expected = sum(
            (marginals[c] * marginals[k] * delta[(c, k)] for c in marginals for k in marginals),
            Fraction(0),
        ) / (n * (n - 1))
        if expected == 0:
            return Alpha(self.units, int(n), observed, expected, None, "every value is the same")
        return Alpha(self.units, int(n), observed, expected, float(1 - observed / expected), "")


def _ordinal_distances(marginals: dict[int, Fraction]) -> dict[tuple[int, int], Fraction]:
    """delta^2(c, k) = (sum of n_g for g from c to k - (n_c + n_k) / 2)^2."""
    values = sorted(marginals)
    out: dict[tuple[int, int], Fraction] = {}
    for i, c in enumerate(values):
        for k in values[i:]:
            between = sum((marginals[g] for g in values if c <= g <= k), Fraction(0))
            distance = (between - (marginals[c] + marginals[k]) / 2) ** 2
            out[(c, k)] = out[(k, c)] = distance
    return out


def ordinal_alpha(units: Iterable[Iterable[int | None]]) -> Alpha:
    """Alpha of a whole reliability table given unit by unit."""
    accumulator = OrdinalAlpha()
    for unit in units:
        accumulator.add(unit)
    return accumulator.result()


def pattern(values: Iterable[int | None]) -> tuple[int, ...] | None:
    """What a unit gives alpha: its judged values, sorted (None when it is not pairable)."""
    judged = tuple(sorted(v for v in values if v is not None))
    return judged if len(judged) >= 2 else None


def alpha_of_patterns(patterns: Mapping[tuple[int, ...], int]) -> Alpha:
    """Alpha of units given as counts of their patterns (see `pattern`): the same result as
    adding every unit, which lets a bootstrap resample counts instead of units."""
    accumulator = OrdinalAlpha()
    for values, times in sorted(patterns.items()):
        accumulator.add(values, times)
    return accumulator.result()
