"""The score pass: one read of every packed round's score sheets feeds ten tables.

SelfAssessment and PeerScores (one row per sheet, one column per criterion), the Consensus
matrix, ScoreDetail (one row per criterion per sheet), the EvidenceRegister, the
Agreement accumulators and the review-quality figures (CriterionAgreement,
ReviewerSeverity, ReviewerSeverityByQuarter, FileSpread; `quality.py`) all come from the
same rounds, read a batch at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qa.domain.rubric import Rubric
from qa.domain.scoring import RaterScores, assess
from qa.export.pack.agreement import OrdinalAlpha
from qa.export.pack.columns import CANNOT_JUDGE
from qa.export.pack.pseudonyms import People
from qa.export.pack.quality import ReviewQuality, alpha_cells, utc_day
from qa.export.pack.queries import RoundSheets, Sheet
from qa.export.pack.rows import joined, rubric_label, when
from qa.export.pack.writer import Sink

SUBMITTED = "submitted"


@dataclass
class Columns:
    """The criterion and principle columns of this pack (all its rubric versions)."""

    criteria: list[str]
    principles: list[str]
    principle_names: dict[str, str]

    @classmethod
    def of(cls, rubrics: Sequence[Rubric]) -> Columns:
        criteria: dict[str, None] = {}
        principles: dict[str, str] = {}
        for rubric in rubrics:
            criteria.update(dict.fromkeys(c.id for c in rubric.criteria))
            for p in rubric.principles:
                principles.setdefault(p.code, p.name)
        return cls(list(criteria), list(principles), principles)


@dataclass
class Agreement:
    overall: OrdinalAlpha = field(default_factory=OrdinalAlpha)
    by_principle: dict[str, OrdinalAlpha] = field(default_factory=dict)

    def add(self, principle: str, values: list[int | None]) -> None:
        self.overall.add(values)
        self.by_principle.setdefault(principle, OrdinalAlpha()).add(values)


@dataclass
class ScoreSinks:
    self_assessment: Sink
    peer: Sink
    consensus: Sink
    detail: Sink
    evidence: Sink
    spread: Sink


class ScorePass:
    def __init__(
        self,
        sinks: ScoreSinks,
        rubrics: Mapping[int, Rubric],
        columns: Columns,
        people: People,
    ) -> None:
        self.sinks = sinks
        self.rubrics = rubrics
        self.columns = columns
        self.people = people
        self.agreement = Agreement()
        self.quality = ReviewQuality(sinks.spread)
        self._criterion_at = {cid: n for n, cid in enumerate(columns.criteria)}
        self._principle_at = {code: n for n, code in enumerate(columns.principles)}
        self._principle_ids: dict[int, list[tuple[str, tuple[str, ...]]]] = {}
        self._order: dict[int, dict[str, int]] = {
            rid: {c.id: n for n, c in enumerate(r.criteria)} for rid, r in rubrics.items()
        }

    def add(self, batch: RoundSheets) -> None:
        head = batch.head
        round_rubric = self.rubrics.get(head.rubric_version_id)
        key = [head.submission_id, head.round_number]
        ident = [*key, head.provider, head.external_id]
        matrix_rubric = round_rubric
        self_levels: dict[str, int | None] | None = None
        peers: list[tuple[str, dict[str, int | None]]] = []
        peer_days: list[date | None] = []  # when each of `peers` was submitted
        consensus: dict[str, int | None] | None = None
        for sheet in batch.sheets:
            row = sheet.row
            rubric = self.rubrics.get(row.rubric_version_id) or round_rubric
            assert rubric is not None
            matrix_rubric = matrix_rubric or rubric
            label = rubric_label(rubric)
            scores = sheet.scores = self._in_rubric_order(sheet, row.rubric_version_id)
            levels = {
                s.criterion_id: s.level for s in scores if s.level is not None or s.cannot_judge
            }
            rater = self.people.name(row.reviewer_id) if row.kind == "peer" else None
            self._detail(ident, label, rubric, sheet, rater=rater, scores=scores)
            if row.kind == "self":
                self.sinks.self_assessment.append(
                    [
                        *ident,
                        label,
                        row.revision,
                        row.status,
                        when(row.submitted_at),
                        self.people.name(row.submitted_by),
                        self.people.scrub(row.correction_reason),
                        *self._grid(scores),
                    ]
                )
                self_levels = levels
            elif row.kind == "peer":
                self.sinks.peer.append(
                    [
                        *ident,
                        label,
                        rater,
                        row.panel_role,
                        row.coi_status,
                        self.people.scrub(row.coi_text),
                        row.revision,
                        row.status,
                        when(row.submitted_at),
                        row.recommendation,
                        self.people.scrub(row.summary),
                        self.people.scrub(row.correction_reason),
                        *self._grid(scores),
                    ]
                )
                if row.status == SUBMITTED:
                    peers.append((rater or "", levels))
                    peer_days.append(utc_day(row.submitted_at))
            else:
                consensus = levels
        if matrix_rubric is not None:
            self._matrix(
                key,
                matrix_rubric,
                head.aggregates,
                self_levels=self_levels,
                peers=peers,
                consensus=consensus,
            )
            self._agreement(matrix_rubric, peers)
            self.quality.add(
                (head.submission_id, head.round_number),
                matrix_rubric,
                self_levels,
                peers,
                peer_days,
            )
        self._evidence(key, batch.sheets, self._order.get(head.rubric_version_id, {}))

    def agreement_lines(self) -> Iterator[list[Any]]:
        """The Agreement table once every round is in: ALL, then principles in rubric order."""
        agreement, columns = self.agreement, self.columns
        results = [("ALL", "All criteria", agreement.overall)] + [
            (code, columns.principle_names[code], agreement.by_principle[code])
            for code in columns.principles
            if code in agreement.by_principle
        ]
        for code, name, accumulator in results:
            alpha = accumulator.result()
            yield [
                code,
                name,
                *alpha_cells(alpha),
                alpha.note or None,
                *self.quality.agreement_tail(code),
            ]

    # -- rows -------------------------------------------------------------------------------

    def _in_rubric_order(self, sheet: Sheet, rubric_id: int) -> list[Any]:
        order = self._order.get(rubric_id, {})
        slots: list[Any] = [None] * len(order)
        strays = []
        for s in sheet.scores:
            at = order.get(s.criterion_id)
            if at is None:
                strays.append(s)
            else:
                slots[at] = s
        ordered = [s for s in slots if s is not None]
        return ordered + sorted(strays, key=lambda s: s.criterion_id) if strays else ordered

    def _grid(self, scores: Sequence[Any]) -> list[Any]:
        grid: list[Any] = [None] * len(self.columns.criteria)
        at_of = self._criterion_at
        for s in scores:
            at = at_of.get(s.criterion_id)
            if at is not None:  # always, unless a score names a criterion its rubric lacks
                level = s.level
                grid[at] = (
                    level if level is not None else (CANNOT_JUDGE if s.cannot_judge else None)
                )
        return grid

    def _detail(
        self,
        ident: list[Any],
        label: str,
        rubric: Rubric,
        sheet: Sheet,
        *,
        rater: str | None,
        scores: Sequence[Any],
    ) -> None:
        row = sheet.row
        criteria = {c.id: c for c in rubric.criteria}
        people, append = self.people, self.sinks.detail.append
        for s in scores:
            criterion = criteria.get(s.criterion_id)
            append(
                [
                    *ident,
                    label,
                    row.kind,
                    rater,
                    row.revision,
                    row.status,
                    criterion.principle if criterion else None,
                    s.criterion_id,
                    ("yes" if criterion.must_pass else "no") if criterion else None,
                    _score(s),
                    people.scrub(s.comment),
                    joined(refs(s.evidence_refs)),
                    people.scrub(s.no_evidence_reason),
                    when(s.updated_at),
                    people.name(s.updated_by),
                ]
            )

    def _matrix(
        self,
        key: list[Any],
        rubric: Rubric,
        aggregates: Mapping[str, Any] | None,
        *,
        self_levels: Mapping[str, int | None] | None,
        peers: Sequence[tuple[str, Mapping[str, int | None]]],
        consensus: Mapping[str, int | None] | None,
    ) -> None:
        label = rubric_label(rubric)
        sink = self.sinks.consensus
        if self_levels is not None:
            sink.append([*key, label, "self", None, *self._levels_line(rubric, self_levels)])
        for rater, levels in peers:
            sink.append([*key, label, "reviewer", rater, *self._levels_line(rubric, levels)])
        if consensus is not None:
            sink.append(
                [*key, label, "consensus", None, *self._levels_line(rubric, consensus, means=False)]
            )
        if not aggregates:
            rater_scores = [RaterScores(name, dict(levels)) for name, levels in peers]
            aggregates = assess(rubric, rater_scores, consensus=consensus).as_dict()
        criteria = {c["criterion_id"]: c for c in aggregates.get("criteria", [])}
        means = {p["code"]: p.get("mean") for p in aggregates.get("principles", [])}
        width = len(self.columns.criteria)
        values: list[Any] = [None] * (width + len(self.columns.principles))
        spreads: list[Any] = [None] * len(values)
        for cid, result in criteria.items():
            at = self._criterion_at.get(cid)
            if at is not None:
                values[at], spreads[at] = result.get("value"), result.get("spread")
        for code, mean in means.items():
            if code in self._principle_at:
                values[width + self._principle_at[code]] = mean
        sink.append([*key, label, "value", None, *values])
        sink.append([*key, label, "spread", None, *spreads])

    def _levels_line(
        self, rubric: Rubric, levels: Mapping[str, int | None], *, means: bool = True
    ) -> list[Any]:
        width = len(self.columns.criteria)
        line: list[Any] = [None] * (width + len(self.columns.principles))
        for cid, level in levels.items():
            if cid in self._criterion_at:
                line[self._criterion_at[cid]] = level
        if means:
            for code, ids in self._principles_of(rubric):
                judged = [level for cid in ids if (level := levels.get(cid)) is not None]
                if judged:  # an int sum divided once: the correctly rounded exact mean
                    line[width + self._principle_at[code]] = sum(judged) / len(judged)
        return line

    def _principles_of(self, rubric: Rubric) -> list[tuple[str, tuple[str, ...]]]:
        found = self._principle_ids.get(id(rubric))
        if found is None:
            found = [
                (p.code, tuple(c.id for c in rubric.criteria_of(p.code)))
                for p in rubric.principles
                if p.code in self._principle_at
            ]
            self._principle_ids[id(rubric)] = found
        return found

    def _agreement(
        self, rubric: Rubric, peers: Sequence[tuple[str, Mapping[str, int | None]]]
    ) -> None:
        if len(peers) < 2:
            return
        for c in rubric.criteria:
            self.agreement.add(c.principle, [levels.get(c.id) for _, levels in peers])

    def _evidence(self, key: list[Any], sheets: Sequence[Sheet], order: Mapping[str, int]) -> None:
        documents: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
        reasons: list[list[Any]] = []
        for sheet in sheets:
            row = sheet.row
            who = {"self": "provider", "consensus": "consensus"}.get(row.kind) or self.people.name(
                row.reviewer_id
            )
            for s in sheet.scores:  # in rubric order since `add`
                for ref in refs(s.evidence_refs):
                    criteria, cited_by = documents.setdefault(str(ref), ({}, {}))
                    criteria[s.criterion_id] = None
                    cited_by[who] = None
                if s.no_evidence_reason:
                    reasons.append(
                        [
                            *key,
                            "no_evidence",
                            None,
                            s.criterion_id,
                            who,
                            self.people.scrub(s.no_evidence_reason),
                        ]
                    )
        for ref in sorted(documents):
            criteria, cited_by = documents[ref]
            ranked = sorted(criteria, key=lambda cid: (order.get(cid, 1 << 20), cid))
            self.sinks.evidence.append(
                [*key, "document", self.people.scrub(ref), joined(ranked), joined(cited_by), None]
            )
        for line in reasons:
            self.sinks.evidence.append(line)


def refs(stored: str | list[str] | None) -> list[str]:
    """Evidence references from their stored JSON text (most sheets have none: `[]`)."""
    if not stored or stored == "[]":
        return []
    return list(json.loads(stored)) if isinstance(stored, str) else list(stored)


def _score(score: Any) -> int | str | None:
    if score.level is not None:
        return int(score.level)
    return CANNOT_JUDGE if score.cannot_judge else None
