"""The officer's "Review quality" figures, from submitted score sheets.

Agreement is the audit pack's exact ordinal Krippendorff alpha (`pack.agreement`) per
principle and per criterion, with the pack's bootstrap 95 % interval (the same function, so
an officer and an agency read the same interval for the same rounds); criteria under 0.667 are
flagged for the rubric owner. Also: self-assessment vs peer gap per principle and per
provider, each reviewer's severity against co-reviewers (with the numbers it rests on),
and the spread of levels per file. Bars are laid out here so the template only draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput
from qa.domain.policy import require_officer
from qa.domain.review_stats import (
    PERIODS,
    Gap,
    Interval,
    ScoreRow,
    Severity,
    Unit,
    file_spread,
    self_peer_gaps,
    severity,
    severity_over_time,
    units_by,
)
from qa.export.pack.quality import alpha_interval, patterns_of
from qa.export.pack.quality_contract import BOOTSTRAP_DRAWS
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    Institution,
    Score,
    Scoresheet,
    Submission,
    User,
)

CHART_WIDTH = 300  # px of the alpha axis from -1 to 1 (inline SVG)
SPARK_WIDTH, SPARK_HEIGHT = 120, 28  # px of a reviewer's severity sparkline
SPARK_RANGE = 1.5  # levels above and below 0 the sparkline shows (beyond: at the edge)


@dataclass(frozen=True)
class AgreementRow:
    name: str
    interval: Interval

    def x(self, value: float | None) -> float:
        """Horizontal position of `value` on the chart (alpha -1 .. 1)."""
        clipped = max(-1.0, min(1.0, value if value is not None else 0.0))
        return round((clipped + 1) / 2 * CHART_WIDTH, 1)


@dataclass(frozen=True)
class Trend:
    """One reviewer's severity per period, with the sparkline's points laid out."""

    name: str
    points: list[tuple[str, Severity]]  # (period, severity in it), oldest first

    def dots(self) -> list[tuple[float, float, str, Severity]]:
        """(x, y, period, severity) per point; y grows downwards, 0 is the middle line."""
        n = len(self.points)
        step = (SPARK_WIDTH - 8) / (n - 1) if n > 1 else 0.0
        half = SPARK_HEIGHT / 2
        out = []
        for i, (period, s) in enumerate(self.points):
            x = 4 + i * step if n > 1 else SPARK_WIDTH / 2
            clipped = max(-SPARK_RANGE, min(SPARK_RANGE, s.offset))
            out.append(
                (round(x, 1), round(half - clipped / SPARK_RANGE * (half - 4), 1), period, s)
            )
        return out

    @property
    def polyline(self) -> str:
        return " ".join(f"{x},{y}" for x, y, _, _ in self.dots())


@dataclass(frozen=True)
class QualityView:
    since: date | None
    principles: list[AgreementRow]
    criteria: list[AgreementRow]
    gaps_by_principle: list[Gap]
    gaps_by_provider: list[Gap]
    severity: list[tuple[str, Severity]]
    spread: list[tuple[str, int, float]]  # title, round, mean range
    sheets: int
    period: str = "quarter"  # a key of review_stats.PERIODS
    trends: list[Trend] = field(default_factory=list)

    @property
    def flagged(self) -> list[AgreementRow]:
        return [row for row in self.criteria if row.interval.low_agreement]


def score_rows(session: Session, since: date | None = None) -> list[ScoreRow]:
    """Every judged level on submitted self-assessment and peer sheets (latest revision)."""
    query = (
        sql_select(
            col(Scoresheet.submission_id),
            col(Scoresheet.round_number),
            col(Scoresheet.kind),
            col(Submission.institution_id),
            col(Score.criterion_id),
            col(Score.level),
            col(Assignment.reviewer_id),
            col(Scoresheet.submitted_at),
        )
        .join(Score, col(Score.scoresheet_id) == col(Scoresheet.id))
        .join(Submission, col(Submission.id) == col(Scoresheet.submission_id))
        .outerjoin(Assignment, col(Assignment.id) == col(Scoresheet.assignment_id))
        .where(
            col(Scoresheet.status) == "submitted",
            col(Scoresheet.kind).in_(["self", "peer"]),
        )
        .order_by(col(Scoresheet.id), col(Score.criterion_id))
    )
    if since is not None:
        query = query.where(col(Scoresheet.submitted_at) >= since)
    return [
        ScoreRow(
            (sid, number),
            provider,
            criterion,
            reviewer if kind == "peer" else None,
            level,
            at.date() if at is not None else None,
        )
        for sid, number, kind, provider, criterion, level, reviewer, at in session.execute(query)
    ]


def review_quality(
    db: Database,
    actor: Actor,
    *,
    since: date | None = None,
    draws: int = BOOTSTRAP_DRAWS,
    period: str = "quarter",
) -> QualityView:
    """The page's figures; `period` (quarter or month) groups severity over time."""
    require_officer(actor)
    if period not in PERIODS:
        raise InvalidInput(f"severity over time is by {' or '.join(PERIODS)}, not {period[:20]!r}")
    with db.session() as session:
        rows = score_rows(session, since)
        names = {u.id: u.display_name for u in session.exec(select(User)).all()}
        providers = {i.id: i.name for i in session.exec(select(Institution)).all()}
        titles = {s.id: s.title for s in session.exec(select(Submission)).all()}
        sheets = len({(r.file_round, r.reviewer_id) for r in rows})

    def agreement(groups: dict[str, list[Unit]]) -> list[AgreementRow]:
        return [
            AgreementRow(name, alpha_interval(patterns_of(units), draws=draws))
            for name, units in sorted(groups.items())
        ]

    by_provider = self_peer_gaps(rows, lambda r: providers.get(r.provider_id, "?"))
    return QualityView(
        since=since,
        principles=agreement(units_by(rows, lambda r: r.principle)),
        criteria=agreement(units_by(rows, lambda r: r.criterion)),
        gaps_by_principle=self_peer_gaps(rows, lambda r: r.principle),
        gaps_by_provider=by_provider,
        severity=[(names.get(s.reviewer_id, "?"), s) for s in severity(rows)],
        spread=[
            (titles.get(sid, "?"), number, value)
            for (sid, number), value in file_spread(rows).items()
        ],
        sheets=sheets,
        period=period,
        trends=[
            Trend(names.get(reviewer, "?"), points)
            for reviewer, points in sorted(
                severity_over_time(rows, PERIODS[period]).items(),
                key=lambda item: (names.get(item[0], "?"), item[0]),
            )
        ],
    )
