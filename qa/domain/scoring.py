"""Scoring rules: per-criterion and per-principle aggregates and the recommended decision.

Scores are levels 0..3; `None` means "cannot judge" and is stored as missing, never as 0, so it
never enters a mean. A criterion absent from a rater's mapping is "not scored" (also missing in
the aggregates; `completeness` is what refuses an incomplete submit). Means are computed
exactly with fractions and rounded once to float, so a boundary such as 2.0 is never missed by
floating-point error. Every number behind a decision is kept in the result (DOMAIN.md §4).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass, replace
from enum import StrEnum
from fractions import Fraction
from typing import Any

from qa.domain.rubric import LEVELS, Criterion, Rubric

DISAGREEMENT_SPREAD = 2  # raters this many points apart on a criterion -> moderation
MUST_PASS_THRESHOLDS = (1, 2)  # raters on both sides of one of these on a must-pass -> moderation
MUST_PASS_MIN = 1  # a must-pass value below this fails (revise, or reject from round 2)
APPROVE_MUST_PASS = 2  # every must-pass value at least this to approve
ZERO_BELOW = 0.5  # a criterion value below this is effectively 0
REVISE_PRINCIPLE_MEAN = 1.5
APPROVE_PRINCIPLE_MEAN = 2.0
CONDITIONS_MAX_ZEROS = 3
_THRESHOLD_NAMES = {1: "pass threshold", 2: "approval threshold"}


class Decision(StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    REVISE_AND_RESUBMIT = "revise_and_resubmit"
    REJECTED = "rejected"


@dataclass(frozen=True)
class RaterScores:
    rater: str
    scores: Mapping[str, int | None]  # criterion id -> level, or None for cannot judge


@dataclass(frozen=True)
class CriterionResult:
    """One criterion: every rater's level (in rater order), the consensus and the value used.

    `disagreement` describes the raters' levels; it stays recorded when a consensus resolved it
    (`from_consensus`), but only unresolved ones are listed in `Assessment.disagreements`.
    """

    criterion_id: str
    principle: str
    must_pass: bool
    values: tuple[int | None, ...]
    consensus: int | None
    value: float | None
    spread: int | None
    disagreement: bool
    disagreement_reason: str
    from_consensus: bool = False


@dataclass(frozen=True)
class PrincipleResult:
    code: str
    name: str
    mean: float | None  # mean of the values of its criteria that are not None
    scored: int  # criteria with a value
    cannot_judge: int  # criteria without one (cannot judge or not scored by anyone)


@dataclass(frozen=True)
class PrincipleGap:
    """Self-assessment mean minus peer mean: a positive gap is the provider's optimism."""

    code: str
    self_mean: float | None
    peer_mean: float | None
    gap: float | None


@dataclass(frozen=True)
class Assessment:
    raters: tuple[str, ...]
    round_number: int
    integrity_finding: bool
    criteria: tuple[CriterionResult, ...]
    principles: tuple[PrincipleResult, ...]
    overall_mean: float | None  # mean of the principle means that are not None
    must_pass_failures: tuple[str, ...]
    must_pass_unjudged: tuple[str, ...]
    zeros: tuple[str, ...]
    disagreements: tuple[CriterionResult, ...]
    recommended: Decision
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (stored with a round or decision), including the thresholds."""
        # fields() + _plain instead of asdict(): asdict deep-copies every value (slow here).
        data: dict[str, Any] = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        data["disagreements"] = [c.criterion_id for c in self.disagreements]
        data["rules"] = {
            "disagreement_spread": DISAGREEMENT_SPREAD,
            "must_pass_thresholds": list(MUST_PASS_THRESHOLDS),
            "must_pass_min": MUST_PASS_MIN,
            "approve_must_pass": APPROVE_MUST_PASS,
            "zero_below": ZERO_BELOW,
            "revise_principle_mean": REVISE_PRINCIPLE_MEAN,
            "approve_principle_mean": APPROVE_PRINCIPLE_MEAN,
            "conditions_max_zeros": CONDITIONS_MAX_ZEROS,
        }
        return data


def completeness(rubric: Rubric, scores: Mapping[str, int | None]) -> tuple[str, ...]:
    """Criterion ids neither scored nor marked cannot-judge, in rubric order.

    Raises ValueError for a level that is not an int 0..3 or an id not in the rubric.
    """
    _check(rubric, scores, "scores")
    return tuple(c.id for c in rubric.criteria if c.id not in scores)


def assess(
    rubric: Rubric,
    raters: Sequence[RaterScores],
    *,
    consensus: Mapping[str, int | None] | None = None,
    round_number: int = 1,
    integrity_finding: bool = False,
) -> Assessment:
    """Aggregate the raters' (or the consensus) levels and recommend a decision (§4)."""
    for rater in raters:
        _check(rubric, rater.scores, f"scores of {rater.rater}")
    if consensus is not None:
        _check(rubric, consensus, "consensus")
    pairs = [_criterion(c, raters, consensus) for c in rubric.criteria]
    results = tuple(result for result, _ in pairs)
    exact = {result.criterion_id: value for result, value in pairs}
    principles: list[PrincipleResult] = []
    principle_exact: list[Fraction | None] = []
    for p in rubric.principles:
        values = [exact[c.id] for c in rubric.criteria_of(p.code)]
        judged = [v for v in values if v is not None]
        principle_exact.append(mean := _mean(judged))
        principles.append(
            PrincipleResult(p.code, p.name, _float(mean), len(judged), len(values) - len(judged))
        )
    valued = [(r, r.value) for r in results if r.value is not None]
    partial = Assessment(
        raters=tuple(r.rater for r in raters),
        round_number=round_number,
        integrity_finding=integrity_finding,
        criteria=results,
        principles=tuple(principles),
        overall_mean=_float(_mean(m for m in principle_exact if m is not None)),
        must_pass_failures=tuple(
            r.criterion_id for r, v in valued if r.must_pass and v < MUST_PASS_MIN
        ),
        must_pass_unjudged=tuple(
            r.criterion_id for r in results if r.must_pass and r.value is None
        ),
        zeros=tuple(r.criterion_id for r, v in valued if not r.must_pass and v < ZERO_BELOW),
        disagreements=tuple(r for r in results if r.disagreement and not r.from_consensus),
        recommended=Decision.REVISE_AND_RESUBMIT,  # replaced below
        reasons=(),
    )
    recommended, reasons = _recommend(partial)
    return replace(partial, recommended=recommended, reasons=reasons)


def self_peer_gap(
    rubric: Rubric, self_scores: Mapping[str, int | None], assessment: Assessment
) -> tuple[PrincipleGap, ...]:
    """Per principle, the provider's self-assessment mean minus the peers' mean."""
    _check(rubric, self_scores, "self-assessment")
    peer = {p.code: p.mean for p in assessment.principles}
    gaps = []
    for principle in rubric.principles:
        levels = (self_scores.get(c.id) for c in rubric.criteria_of(principle.code))
        own = _float(_mean(level for level in levels if level is not None))
        other = peer.get(principle.code)
        gap = None if own is None or other is None else own - other
        gaps.append(PrincipleGap(principle.code, own, other, gap))
    return tuple(gaps)


def _check(rubric: Rubric, scores: Mapping[str, int | None], what: str) -> None:
    known = {c.id for c in rubric.criteria}
    for criterion_id, level in scores.items():
        if criterion_id not in known:
            raise ValueError(f"{what}: {criterion_id!r} is not a criterion of this rubric")
        if level is not None and (type(level) is not int or level not in LEVELS):
            raise ValueError(
                f"{what}: {criterion_id} must be a level 0, 1, 2 or 3 "
                f"(or cannot judge), not {level!r}"
            )


def _criterion(
    criterion: Criterion, raters: Sequence[RaterScores], consensus: Mapping[str, int | None] | None
) -> tuple[CriterionResult, Fraction | None]:
    values = tuple(r.scores.get(criterion.id) for r in raters)
    judged = [v for v in values if v is not None]
    low, high = (min(judged), max(judged)) if judged else (0, 0)
    spread = high - low if len(judged) >= 2 else None
    parts = []
    if spread is not None and spread >= DISAGREEMENT_SPREAD:
        parts.append(f"scores {low} and {high} differ by {spread} points")
    straddled = [t for t in MUST_PASS_THRESHOLDS if criterion.must_pass and low < t <= high]
    if straddled:
        sides = " and ".join(f"the {_THRESHOLD_NAMES.get(t, 'threshold')} {t}" for t in straddled)
        parts.append(f"one reviewer scored {low}, another {high} — on both sides of {sides}")
    label = f"{criterion.id} (must-pass)" if criterion.must_pass and straddled else criterion.id
    from_consensus = consensus is not None and criterion.id in consensus
    agreed = consensus.get(criterion.id) if consensus is not None else None
    exact = (None if agreed is None else Fraction(agreed)) if from_consensus else _mean(judged)
    result = CriterionResult(
        criterion_id=criterion.id,
        principle=criterion.principle,
        must_pass=criterion.must_pass,
        values=values,
        consensus=agreed,
        value=_float(exact),
        spread=spread,
        disagreement=bool(parts),
        disagreement_reason=f"{label}: {'; '.join(parts)}" if parts else "",
        from_consensus=from_consensus,
    )
    return result, exact


def _recommend(a: Assessment) -> tuple[Decision, tuple[str, ...]]:
    """The §4 rule, in order: rejected, revise, approved, with conditions, revise (zeros)."""
    judged_mp = [
        (c.criterion_id, c.value) for c in a.criteria if c.must_pass and c.value is not None
    ]
    means = [(p.code, p.mean) for p in a.principles if p.mean is not None]
    notes = [f"{i} is must-pass and nobody could judge it" for i in a.must_pass_unjudged]
    notes += [
        f"{p.code}: nothing could be judged, so it has no mean"
        for p in a.principles
        if p.mean is None
    ]
    again = f" after resubmission (round {a.round_number})" if a.round_number >= 2 else ""
    failed = [
        f"{i} is must-pass and {'still ' if again else ''}scored {_num(v)}{again}"
        for i, v in judged_mp
        if v < MUST_PASS_MIN
    ]
    if a.integrity_finding or (again and failed):
        integrity = ["an integrity finding was recorded"] if a.integrity_finding else []
        return Decision.REJECTED, (*integrity, *failed, *notes)
    low = [
        f"{code} mean {_mean_text(m)} is below {REVISE_PRINCIPLE_MEAN}"
        for code, m in means
        if m < REVISE_PRINCIPLE_MEAN
    ]
    if failed or low:
        return Decision.REVISE_AND_RESUBMIT, (*failed, *low, *notes)
    zeros = f"{_criteria(len(a.zeros))} at 0 ({', '.join(a.zeros)})"
    if len(a.zeros) > CONDITIONS_MAX_ZEROS:
        rule = f"{zeros}, more than the {CONDITIONS_MAX_ZEROS} allowed with conditions"
        return Decision.REVISE_AND_RESUBMIT, (rule, *notes)
    short = [
        f"{i} is must-pass and scored {_num(v)}, below {APPROVE_MUST_PASS}"
        for i, v in judged_mp
        if v < APPROVE_MUST_PASS
    ]
    short += [
        f"{code} mean {_mean_text(m)} is below {APPROVE_PRINCIPLE_MEAN}"
        for code, m in means
        if m < APPROVE_PRINCIPLE_MEAN
    ]
    short += [zeros] if a.zeros else []
    if not short and not a.must_pass_unjudged:
        lowest = min(means, key=lambda cm: cm[1], default=None)
        tail = f" (lowest: {lowest[0]} {_mean_text(lowest[1])})" if lowest else ""
        rule = (
            f"every must-pass criterion is at least {APPROVE_MUST_PASS}, no criterion is at 0 "
            f"and every principle mean is at least {APPROVE_PRINCIPLE_MEAN}{tail}"
        )
        return Decision.APPROVED, (rule, *notes)
    rule = (
        f"no must-pass criterion is below {MUST_PASS_MIN} and {_criteria(len(a.zeros))} at 0 "
        f"(at most {CONDITIONS_MAX_ZEROS} allowed), but not every approval rule holds"
    )
    return Decision.APPROVED_WITH_CONDITIONS, (rule, *short, *notes)


def _criteria(count: int) -> str:
    return f"{count} criterion is" if count == 1 else f"{count} criteria are"


def _mean(values: Iterable[Fraction | int]) -> Fraction | None:
    items = [Fraction(v) for v in values]
    return sum(items, Fraction(0)) / len(items) if items else None


def _plain(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists and enums to their values, recursively."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value) if isinstance(value, StrEnum) else value


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _num(value: float) -> str:
    """A criterion value: `0`, `1.5`, `2.33`."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _mean_text(value: float) -> str:
    """A mean with at least one decimal: `2.0`, `2.25`, `1.33`."""
    return f"{value:.2f}".removesuffix("0")
