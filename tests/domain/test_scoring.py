"""Scoring rules (DOMAIN.md §3–4): aggregates, disagreement, the recommended decision."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from qa.config import bundled_rubrics_dir
from qa.domain.rubric import Rubric
from qa.domain.scoring import (
    Assessment,
    CriterionResult,
    Decision,
    RaterScores,
    assess,
    completeness,
    self_peer_gap,
)
from qa.services.rubrics.rubric_files import load_rubric_file

Scores = dict[str, int | None]
MUST_PASS = (
    "QUAL-1",
    "QUAL-2",
    "TRAN-1",
    "RELV-1",
    "VASS-1",
    "VASS-2",
    "PORT-1",
    "AUTH-1",
    "AUTH-2",
)


@pytest.fixture(scope="module")
def rubric() -> Rubric:
    return load_rubric_file(next(bundled_rubrics_dir().glob("*.toml")))


def sheet(rubric: Rubric, level: int | None, overrides: Mapping[str, int | None] = {}) -> Scores:
    """Every criterion at `level`, except the ids in `overrides`."""
    return {c.id: overrides.get(c.id, level) for c in rubric.criteria}


def one(
    rubric: Rubric,
    overrides: Mapping[str, int | None] = {},
    *,
    round_number: int = 1,
    integrity_finding: bool = False,
) -> Assessment:
    """One rater who scores everything 3 except `overrides` (so each value is that level)."""
    scores = [RaterScores("r1", sheet(rubric, 3, overrides))]
    return assess(rubric, scores, round_number=round_number, integrity_finding=integrity_finding)


def raters(*sheets: Scores) -> list[RaterScores]:
    return [RaterScores(f"r{n}", s) for n, s in enumerate(sheets, start=1)]


def result(assessment: Assessment, criterion_id: str) -> CriterionResult:
    return next(c for c in assessment.criteria if c.criterion_id == criterion_id)


def mean_of(assessment: Assessment, code: str) -> float | None:
    return next(p.mean for p in assessment.principles if p.code == code)


def test_fixture_rubric_is_the_bundled_one(rubric: Rubric) -> None:
    assert len(rubric.criteria) == 43
    assert rubric.must_pass_ids == MUST_PASS


# -- the recommended decision, path by path, at its boundaries -------------------------------


@pytest.mark.parametrize(
    ("overrides", "kw", "expected", "words"),
    [
        pytest.param({}, {}, Decision.APPROVED, "at least 2.0", id="all-3"),
        pytest.param(
            {"PATH-1": 2, "PATH-2": 2, "PATH-3": 2, "PATH-4": 2},
            {},
            Decision.APPROVED,
            "(lowest: PATH 2.0)",
            id="principle-mean-exactly-2.0",
        ),
        pytest.param(
            {"PATH-1": 2, "PATH-2": 2, "PATH-3": 2, "PATH-4": 1},
            {},
            Decision.APPROVED_WITH_CONDITIONS,
            "PATH mean 1.75 is below 2.0",
            id="principle-mean-1.75",
        ),
        pytest.param(
            {"PATH-1": 2, "PATH-2": 2, "PATH-3": 1, "PATH-4": 1},
            {},
            Decision.APPROVED_WITH_CONDITIONS,
            "PATH mean 1.5 is below 2.0",
            id="principle-mean-exactly-1.5",
        ),
        pytest.param(
            {"PATH-1": 2, "PATH-2": 1, "PATH-3": 1, "PATH-4": 1},
            {},
            Decision.REVISE_AND_RESUBMIT,
            "PATH mean 1.25 is below 1.5",
            id="principle-mean-1.25",
        ),
        pytest.param({"TRAN-1": 2}, {}, Decision.APPROVED, "at least 2", id="must-pass-at-2"),
        pytest.param(
            {"TRAN-1": 1},
            {},
            Decision.APPROVED_WITH_CONDITIONS,
            "TRAN-1 is must-pass and scored 1, below 2",
            id="must-pass-at-1",
        ),
        pytest.param(
            {"AUTH-2": 0},
            {},
            Decision.REVISE_AND_RESUBMIT,
            "AUTH-2 is must-pass and scored 0",
            id="must-pass-at-0-round-1",
        ),
        pytest.param(
            {"AUTH-2": 0},
            {"round_number": 2},
            Decision.REJECTED,
            "AUTH-2 is must-pass and still scored 0 after resubmission (round 2)",
            id="must-pass-at-0-round-2",
        ),
        pytest.param(
            {}, {"round_number": 2}, Decision.APPROVED, "at least 2.0", id="round-2-all-fine"
        ),
        pytest.param(
            {},
            {"integrity_finding": True},
            Decision.REJECTED,
            "integrity finding",
            id="integrity-finding",
        ),
        pytest.param(
            {"QUAL-3": 0, "TRAN-2": 0, "RELV-2": 0},
            {},
            Decision.APPROVED_WITH_CONDITIONS,
            "3 criteria are at 0 (QUAL-3, TRAN-2, RELV-2)",
            id="exactly-3-zeros",
        ),
        pytest.param(
            {"QUAL-3": 0, "TRAN-2": 0, "RELV-2": 0, "PATH-1": 0},
            {},
            Decision.REVISE_AND_RESUBMIT,
            "4 criteria are at 0 (QUAL-3, TRAN-2, RELV-2, PATH-1), more than the 3 allowed",
            id="4-zeros",
        ),
        pytest.param(
            {"QUAL-3": 0},
            {},
            Decision.APPROVED_WITH_CONDITIONS,
            "1 criterion is at 0 (QUAL-3)",
            id="one-zero-blocks-approval",
        ),
    ],
)
def test_recommended_decision(
    rubric: Rubric, overrides: Scores, kw: dict[str, Any], expected: Decision, words: str
) -> None:
    assessment = one(rubric, overrides, **kw)
    assert assessment.recommended is expected
    assert any(words in reason for reason in assessment.reasons), assessment.reasons


def test_approval_reason_names_the_lowest_principle_mean(rubric: Rubric) -> None:
    assessment = one(rubric, {"RECG-2": 2, "RECG-3": 2, "RECG-4": 2})
    assert assessment.recommended is Decision.APPROVED
    assert assessment.reasons == (
        "every must-pass criterion is at least 2, no criterion is at 0 and every principle mean "
        "is at least 2.0 (lowest: RECG 2.25)",
    )


def test_rejection_in_round_2_wins_over_revise(rubric: Rubric) -> None:
    low = {"PATH-1": 0, "PATH-2": 0, "PATH-3": 0, "PATH-4": 0, "QUAL-1": 0}
    assert one(rubric, low).recommended is Decision.REVISE_AND_RESUBMIT
    assert one(rubric, low, round_number=3).recommended is Decision.REJECTED


def test_must_pass_failures_and_zeros_are_listed(rubric: Rubric) -> None:
    assessment = one(rubric, {"QUAL-1": 0, "AUTH-1": 0, "INFO-4": 0, "INFO-3": 1})
    assert assessment.must_pass_failures == ("QUAL-1", "AUTH-1")
    assert assessment.zeros == ("INFO-4",)  # must-pass zeros are failures, not zeros
    assert assessment.reasons[:2] == (
        "QUAL-1 is must-pass and scored 0",
        "AUTH-1 is must-pass and scored 0",
    )


def test_means_are_exact_at_the_boundary(rubric: Rubric) -> None:
    """PATH values 2/3, 3, 3 and 4/3 average exactly 2.0 (naive floats give 1.9999999999999998)."""
    path = [(0, 1, 1), (3, 3, 3), (3, 3, 3), (1, 1, 2)]
    sheets = [sheet(rubric, 3) for _ in range(3)]
    for criterion_id, levels in zip(("PATH-1", "PATH-2", "PATH-3", "PATH-4"), path, strict=True):
        for s, level in zip(sheets, levels, strict=True):
            s[criterion_id] = level
    assessment = assess(rubric, raters(*sheets))
    assert mean_of(assessment, "PATH") == 2.0
    assert assessment.recommended is Decision.APPROVED


# -- cannot judge is never 0 ------------------------------------------------------------------


def test_a_criterion_nobody_could_judge_does_not_lower_the_mean(rubric: Rubric) -> None:
    unjudged = one(rubric, {"PATH-1": None, "PATH-2": 2, "PATH-3": 2, "PATH-4": 2})
    assert mean_of(unjudged, "PATH") == 2.0
    path = next(p for p in unjudged.principles if p.code == "PATH")
    assert (path.scored, path.cannot_judge) == (3, 1)
    assert unjudged.recommended is Decision.APPROVED
    as_zero = one(rubric, {"PATH-1": 0, "PATH-2": 2, "PATH-3": 2, "PATH-4": 2})
    assert mean_of(as_zero, "PATH") == 1.5


def test_one_raters_cannot_judge_leaves_the_others_level(rubric: Rubric) -> None:
    assessment = assess(
        rubric, raters(sheet(rubric, 3, {"PATH-2": 1}), sheet(rubric, 3, {"PATH-2": None}))
    )
    path_2 = result(assessment, "PATH-2")
    assert path_2.values == (1, None)
    assert path_2.value == 1.0
    assert path_2.spread is None


def test_a_must_pass_nobody_could_judge_blocks_approval_but_is_no_failure(rubric: Rubric) -> None:
    assessment = one(rubric, {"VASS-1": None})
    assert assessment.must_pass_unjudged == ("VASS-1",)
    assert assessment.must_pass_failures == ()
    assert assessment.recommended is Decision.APPROVED_WITH_CONDITIONS
    assert "VASS-1 is must-pass and nobody could judge it" in assessment.reasons


def test_a_principle_with_nothing_judged_is_reported_not_decisive(rubric: Rubric) -> None:
    nothing = {"PATH-1": None, "PATH-2": None, "PATH-3": None, "PATH-4": None}
    assessment = one(rubric, nothing | {"INFO-1": 2})
    assert mean_of(assessment, "PATH") is None
    assert assessment.recommended is Decision.APPROVED
    assert "PATH: nothing could be judged, so it has no mean" in assessment.reasons
    assert assessment.overall_mean == pytest.approx((8 * 3 + 2.75) / 9)


def test_overall_mean_is_the_mean_of_principle_means(rubric: Rubric) -> None:
    assessment = one(rubric, {"PATH-1": 1, "PATH-2": 1, "PATH-3": 1, "PATH-4": 1})
    assert assessment.overall_mean == pytest.approx((9 * 3 + 1) / 10)  # not (39*3+4)/43


# -- consensus --------------------------------------------------------------------------------


def test_consensus_overrides_the_mean_and_clears_disagreement(rubric: Rubric) -> None:
    sheets = raters(sheet(rubric, 3, {"QUAL-3": 1}), sheet(rubric, 3))
    without = assess(rubric, sheets)
    assert result(without, "QUAL-3").value == 2.0
    assert [c.criterion_id for c in without.disagreements] == ["QUAL-3"]

    agreed = assess(rubric, sheets, consensus=sheet(rubric, 3, {"QUAL-3": 2, "INFO-1": 1}))
    qual_3 = result(agreed, "QUAL-3")
    assert (qual_3.consensus, qual_3.value) == (2, 2.0)
    assert qual_3.values == (1, 3)  # kept for the auditor
    assert qual_3.disagreement  # what the raters did ...
    assert agreed.disagreements == ()  # ... resolved by the consensus
    assert result(agreed, "INFO-1").value == 1.0  # not mean 3


def test_consensus_cannot_judge_is_missing(rubric: Rubric) -> None:
    assessment = assess(
        rubric, raters(sheet(rubric, 3)), consensus=sheet(rubric, 3, {"RECG-4": None})
    )
    assert result(assessment, "RECG-4").value is None
    assert mean_of(assessment, "RECG") == 3.0


def test_a_partial_consensus_leaves_other_disagreements_open(rubric: Rubric) -> None:
    sheets = raters(sheet(rubric, 3, {"QUAL-3": 0, "INFO-2": 1}), sheet(rubric, 3))
    assessment = assess(rubric, sheets, consensus={"QUAL-3": 2})
    assert [c.criterion_id for c in assessment.disagreements] == ["INFO-2"]
    assert result(assessment, "INFO-2").value == 2.0


# -- disagreement -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criterion_id", "levels", "reason"),
    [
        ("QUAL-3", (1, 3), "QUAL-3: scores 1 and 3 differ by 2 points"),
        ("QUAL-3", (0, 3), "QUAL-3: scores 0 and 3 differ by 3 points"),
        ("QUAL-3", (3, 2, 1), "QUAL-3: scores 1 and 3 differ by 2 points"),
        ("QUAL-3", (2, 3), ""),
        ("QUAL-3", (0, 1), ""),
        ("QUAL-3", (0, None), ""),
        (
            "VASS-1",
            (1, 2),
            "VASS-1 (must-pass): one reviewer scored 1, another 2 — on both sides of the "
            "approval threshold 2",
        ),
        (
            "VASS-1",
            (0, 1),
            "VASS-1 (must-pass): one reviewer scored 0, another 1 — on both sides of the "
            "pass threshold 1",
        ),
        (
            "AUTH-2",
            (0, 2),
            "AUTH-2 (must-pass): scores 0 and 2 differ by 2 points; one reviewer scored 0, "
            "another 2 — on both sides of the pass threshold 1 and the approval threshold 2",
        ),
        ("VASS-1", (2, 3), ""),
        ("VASS-1", (2, 2, 3), ""),
    ],
)
def test_disagreement(
    rubric: Rubric, criterion_id: str, levels: tuple[int | None, ...], reason: str
) -> None:
    sheets = [sheet(rubric, 3, {criterion_id: level}) for level in levels]
    assessment = assess(rubric, raters(*sheets))
    criterion = result(assessment, criterion_id)
    assert criterion.values == levels
    assert criterion.disagreement is bool(reason)
    assert criterion.disagreement_reason == reason
    assert [c.criterion_id for c in assessment.disagreements] == ([criterion_id] if reason else [])


def test_spread_needs_two_judged_levels(rubric: Rubric) -> None:
    assessment = assess(rubric, raters(sheet(rubric, 1), sheet(rubric, 3, {"INFO-1": None})))
    assert result(assessment, "INFO-2").spread == 2
    assert result(assessment, "INFO-1").spread is None


# -- completeness and validation --------------------------------------------------------------


def test_completeness_names_missing_ids_in_rubric_order(rubric: Rubric) -> None:
    scores = sheet(rubric, 2, {"RECG-4": None})  # cannot judge counts as done
    for criterion_id in ("INFO-4", "QUAL-3", "AUTH-1"):
        del scores[criterion_id]
    assert completeness(rubric, scores) == ("QUAL-3", "AUTH-1", "INFO-4")
    assert completeness(rubric, {}) == tuple(c.id for c in rubric.criteria)
    assert completeness(rubric, sheet(rubric, None)) == ()


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (4, "QUAL-3 must be a level 0, 1, 2 or 3"),
        (-1, "QUAL-3 must be a level"),
        ("2", "not '2'"),
        (True, "not True"),
        (2.0, "not 2.0"),
    ],
)
def test_completeness_rejects_bad_levels(rubric: Rubric, value: object, words: str) -> None:
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        completeness(rubric, {"QUAL-3": value})  # type: ignore[dict-item]


def test_unknown_criteria_are_rejected(rubric: Rubric) -> None:
    with pytest.raises(ValueError, match="'QUAL-9' is not a criterion"):
        completeness(rubric, {"QUAL-9": 2})


def test_assess_rejects_bad_levels_naming_the_rater(rubric: Rubric) -> None:
    with pytest.raises(ValueError, match="scores of r2: TRAN-3"):
        assess(rubric, raters(sheet(rubric, 2), sheet(rubric, 2, {"TRAN-3": 5})))
    with pytest.raises(ValueError, match="consensus: TRAN-3"):
        assess(rubric, raters(sheet(rubric, 2)), consensus={"TRAN-3": 5})


# -- self versus peers ------------------------------------------------------------------------


def test_self_peer_gap_is_self_minus_peer(rubric: Rubric) -> None:
    peers = assess(rubric, raters(sheet(rubric, 2, {"PATH-1": 3})))
    gaps = {
        g.code: g
        for g in self_peer_gap(rubric, sheet(rubric, 3, {"RECG-1": 0, "RECG-2": 0}), peers)
    }
    assert list(gaps) == [p.code for p in rubric.principles]
    assert (gaps["QUAL"].self_mean, gaps["QUAL"].peer_mean, gaps["QUAL"].gap) == (3.0, 2.0, 1.0)
    assert gaps["PATH"].gap == pytest.approx(0.75)  # 3 - 2.25: optimistic
    assert gaps["RECG"].gap == pytest.approx(-0.5)  # 1.5 - 2.0: pessimistic


def test_self_peer_gap_without_self_levels_is_none(rubric: Rubric) -> None:
    peers = one(rubric)
    own = sheet(rubric, 3, {c.id: None for c in rubric.criteria_of("INFO")})
    info = next(g for g in self_peer_gap(rubric, own, peers) if g.code == "INFO")
    assert (info.self_mean, info.peer_mean, info.gap) == (None, 3.0, None)


# -- what an auditor gets ---------------------------------------------------------------------


def test_as_dict_is_plain_json_with_every_number(rubric: Rubric) -> None:
    sheets = raters(sheet(rubric, 3, {"QUAL-3": 1, "TRAN-1": 1}), sheet(rubric, 2))
    data = assess(rubric, sheets, round_number=2).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["recommended"] == "approved_with_conditions"
    assert data["raters"] == ["r1", "r2"]
    assert data["round_number"] == 2
    assert data["disagreements"] == ["TRAN-1"]
    assert data["rules"]["approve_principle_mean"] == 2.0
    qual_3 = next(c for c in data["criteria"] if c["criterion_id"] == "QUAL-3")
    assert qual_3["values"] == [1, 2]
    assert qual_3["value"] == 1.5
    assert {p["code"]: p["mean"] for p in data["principles"]}["QUAL"] == pytest.approx(2.3)
