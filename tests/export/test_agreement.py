"""Krippendorff's alpha (ordinal): reference values and the cases where it is undefined."""

from __future__ import annotations

import pytest

from qa.export.pack.agreement import OrdinalAlpha, ordinal_alpha

#: Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the worked example with
#: missing values: four observers, twelve units (rows are observers, None is missing).
PAPER = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _units(raters: list[list[int | None]]) -> list[list[int | None]]:
    return [list(unit) for unit in zip(*raters, strict=True)]


def test_the_papers_example_gives_its_ordinal_alpha() -> None:
    result = ordinal_alpha(_units(PAPER))
    assert result.alpha == pytest.approx(0.8153875037548814, abs=1e-12)  # the paper: 0.815
    assert (result.units, result.pairable_values) == (11, 40)  # unit 12 has one value only


@pytest.mark.parametrize(
    ("raters", "expected"),
    [
        # Values from the `krippendorff` package (0.8.x, level_of_measurement="ordinal").
        (
            [[3, 2, 3, 0, 1, 2, 3, 3], [3, 3, 2, 0, 1, 2, None, 3], [2, 3, 3, 1, None, 2, 3, 3]],
            0.7182479995186812,
        ),
        ([[0, 1, 2, 3, 3, 2], [1, 1, 2, 3, 2, 2]], 0.8578811369509044),
    ],
)
def test_small_panels_match_the_reference_implementation(
    raters: list[list[int | None]], expected: float
) -> None:
    assert ordinal_alpha(_units(raters)).alpha == pytest.approx(expected, abs=1e-12)


def test_units_can_be_fed_one_at_a_time() -> None:
    accumulator = OrdinalAlpha()
    for unit in _units(PAPER):
        accumulator.add(unit)
    assert accumulator.result() == ordinal_alpha(_units(PAPER))


def test_alpha_is_undefined_without_pairs_or_without_variation() -> None:
    lonely = ordinal_alpha([[3, None], [None, 2]])
    assert (lonely.alpha, lonely.note) == (None, "fewer than two pairable values")
    same = ordinal_alpha([[3, 3], [3, 3, 3]])
    assert (same.alpha, same.note, same.units) == (None, "every value is the same", 2)


def test_perfect_agreement_is_one_and_systematic_disagreement_is_negative() -> None:
    assert ordinal_alpha([[0, 0], [1, 1], [3, 3]]).alpha == 1.0
    disagreement = ordinal_alpha([[0, 3], [3, 0], [0, 3]]).alpha
    assert disagreement is not None and disagreement < 0
