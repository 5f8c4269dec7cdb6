"""The QA officer's pipeline: every file by stage, what is late, and who carries the load.

Built for hundreds of open files with a fixed number of aggregate queries (no query per
file): stage counts, one page of rows with per-file review and condition counts joined from
grouped subqueries, the late reviews and conditions, and the reviewers' loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Select, and_, case, func, or_
from sqlalchemy import select as sql_select
from sqlalchemy.sql import Subquery
from sqlmodel import col

from qa.domain.actor import Actor
from qa.domain.assignments import OPEN, AssignmentState
from qa.domain.bounds import whole_number_or_none
from qa.domain.enums import Stage
from qa.domain.policy import STAGE_DAY_LIMITS, require_officer, stage_day_limit
from qa.domain.review_settings import ReviewSettings
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    Condition,
    Decision,
    Institution,
    Submission,
)
from qa.services.pages.action_queue import OFFICE_STAGES
from qa.services.pages.dashboard_attention import (
    LateCondition,
    LateReview,
    ReviewerLoad,
    current_peer_review,
    late_condition,
    late_conditions,
    late_review,
    late_reviews,
    reviewer_loads,
)
from qa.services.submissions.lifecycle import deleted_draft

PAGE_SIZE = 50
WAITING_FOR: dict[str, str] = {
    Stage.DRAFT: "Provider is writing it",
    Stage.SUBMITTED: "Automatic check",
    Stage.SELF_ASSESSMENT: "Provider's self-assessment",
    Stage.PEER_REVIEW: "Reviewers are scoring",
    Stage.APPROVED_WITH_CONDITIONS: "Provider meets the conditions",
    Stage.REVISE_AND_RESUBMIT: "Provider revises it",
}
SORTS = {"oldest": "longest in stage first", "newest": "newest in stage first", "title": "title"}
AnySelect = Select[*tuple[Any, ...]]
_Query = TypeVar("_Query", bound=AnySelect)


@dataclass(frozen=True)
class PipelineFilter:
    """What the officer asked to see (parsed leniently from the query string)."""

    stage: str | None = None
    provider: int | None = None
    overdue: bool = False
    q: str = ""
    sort: str = "oldest"
    page: int = 1

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PipelineFilter:
        stage = params.get("stage") or None
        provider = params.get("provider", "")
        page = params.get("page", "")
        sort = params.get("sort", "oldest")
        return cls(
            stage=stage if stage in {s.value for s in Stage} else None,
            provider=whole_number_or_none(provider) if provider else None,
            overdue=params.get("overdue") in ("1", "on", "true"),
            q=params.get("q", "").strip()[:100],
            sort=sort if sort in SORTS else "oldest",
            page=max(1, whole_number_or_none(page) or 1),
        )

    def url(self, **changes: Any) -> str:
        """The pipeline URL for these filters with `changes` (a new filter starts at page 1)."""
        target = replace(self, **({"page": 1} | changes))
        params = {
            "stage": target.stage or "",
            "provider": str(target.provider or ""),
            "overdue": "1" if target.overdue else "",
            "q": target.q,
            "sort": "" if target.sort == "oldest" else target.sort,
            "page": "" if target.page == 1 else str(target.page),
        }
        query = urlencode({k: v for k, v in params.items() if v})
        return f"/officer?{query}" if query else "/officer"


@dataclass(frozen=True)
class StageLink:
    stage: str
    count: int
    url: str
    current: bool


@dataclass(frozen=True)
class PipelineRow:
    id: int
    title: str
    provider: str
    external_id: str | None
    stage: str
    round: int
    eqf_level: int | None
    days_in_stage: int
    stage_limit: int | None
    open_reviews: int
    submitted_reviews: int
    late_reviews: int
    late_conditions: int

    @property
    def stale(self) -> bool:
        return self.stage_limit is not None and self.days_in_stage > self.stage_limit

    @property
    def office_action(self) -> str | None:
        """What the office must do now ("Screen", …), or None when it waits for others."""
        return next((a for s, a in OFFICE_STAGES if s == self.stage), None)

    @property
    def waiting_for(self) -> str:
        """Whom the file waits for, in a few words (the column is never left empty)."""
        return WAITING_FOR.get(self.stage, "Nothing to do")


@dataclass(frozen=True)
class Pipeline:
    filters: PipelineFilter
    stages: list[StageLink]
    all_count: int  # files matching the filters in any stage
    total: int  # files matching the filters and the stage
    rows: list[PipelineRow]
    pages: int
    late_reviews: list[LateReview]
    late_review_count: int
    late_conditions: list[LateCondition]
    late_condition_count: int
    stale_count: int
    loads: list[ReviewerLoad]
    providers: list[tuple[int, str]]
    today: date

    @property
    def first(self) -> int:
        return 0 if not self.rows else (self.filters.page - 1) * PAGE_SIZE + 1

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def pipeline(
    db: Database, actor: Actor, filters: PipelineFilter, *, now: datetime, settings: ReviewSettings
) -> Pipeline:
    require_officer(actor)
    today = db.clock.local(now).date()  # the office's day, as deadlines count it
    reviews, conditions = _review_stats(today), _condition_stats(today)
    with db.session() as session:
        by_stage = _filtered(
            sql_select(col(Submission.stage), func.count()), filters, reviews, conditions, now
        ).group_by(col(Submission.stage))
        counts = {str(stage): int(n) for stage, n in session.execute(by_stage).all()}
        total = counts.get(filters.stage, 0) if filters.stage else sum(counts.values())
        pages = max(1, -(-total // PAGE_SIZE))
        filters = replace(filters, page=min(filters.page, pages))
        rows = _rows(session.execute(_page(filters, reviews, conditions, now)).all(), now)
        reviews_late, late_review_count = late_reviews(session, today)
        conditions_late, late_condition_count = late_conditions(session, today)
        stale_count = session.execute(
            sql_select(func.count()).select_from(Submission).where(_stale(now))
        ).scalar_one()
        loads = reviewer_loads(session, settings)
        providers = [
            (int(i), str(name))
            for i, name in session.execute(
                sql_select(col(Institution.id), col(Institution.name))
                .where(col(Institution.kind) == "provider")
                .order_by(col(Institution.name))
            ).all()
        ]
    stages = [
        StageLink(s.value, counts.get(s.value, 0), filters.url(stage=s.value), s == filters.stage)
        for s in Stage
        if counts.get(s.value) or s == filters.stage
    ]
    return Pipeline(
        filters=filters,
        stages=stages,
        all_count=sum(counts.values()),
        total=total,
        rows=rows,
        pages=pages,
        late_reviews=reviews_late,
        late_review_count=late_review_count,
        late_conditions=conditions_late,
        late_condition_count=late_condition_count,
        stale_count=int(stale_count),
        loads=loads,
        providers=providers,
        today=today,
    )


def _review_stats(today: date) -> Subquery:
    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return (
        sql_select(
            col(Assignment.submission_id).label("sid"),
            count_if(col(Assignment.state).in_(OPEN)).label("open"),
            count_if(col(Assignment.state) == AssignmentState.SUBMITTED).label("done"),
            count_if(late_review(today)).label("late"),
        )
        .join(Submission, current_peer_review())
        .group_by(col(Assignment.submission_id))
        .subquery("review_stats")
    )


def _condition_stats(today: date) -> Subquery:
    return (
        sql_select(col(Decision.submission_id).label("sid"), func.count().label("late"))
        .join(Condition, col(Condition.decision_id) == col(Decision.id))
        .where(late_condition(today))
        .group_by(col(Decision.submission_id))
        .subquery("condition_stats")
    )


def _stale(now: datetime) -> ColumnElement[bool]:
    return or_(
        *(
            and_(
                col(Submission.stage) == stage,
                col(Submission.stage_entered_at) < now - timedelta(days=days),
            )
            for stage, days in STAGE_DAY_LIMITS.items()
        )
    )


def _filtered(
    query: _Query,
    filters: PipelineFilter,
    reviews: Subquery,
    conditions: Subquery,
    now: datetime,
) -> _Query:
    """The filters except the stage (stage counts show what each stage link would give)."""
    query = (
        query.select_from(Submission)
        .join(Institution, col(Institution.id) == col(Submission.institution_id))
        .outerjoin(reviews, reviews.c.sid == col(Submission.id))
        .outerjoin(conditions, conditions.c.sid == col(Submission.id))
        # drafts, and drafts deleted, were never sent for review: not the office's business
        .where(col(Submission.stage) != Stage.DRAFT.value, ~deleted_draft())
    )
    if filters.provider is not None:
        query = query.where(col(Submission.institution_id) == filters.provider)
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        pattern += "%"
        matches: list[ColumnElement[bool]] = [
            col(Submission.title).ilike(pattern, escape="\\"),
            col(Institution.name).ilike(pattern, escape="\\"),
            col(Submission.external_id).ilike(pattern, escape="\\"),
        ]
        if filters.q.isdigit() and len(filters.q) < 10:
            matches.append(col(Submission.id) == int(filters.q))
        query = query.where(or_(*matches))
    if filters.overdue:
        query = query.where(
            or_(
                func.coalesce(reviews.c.late, 0) > 0,
                func.coalesce(conditions.c.late, 0) > 0,
                _stale(now),
            )
        )
    return query


def _page(
    filters: PipelineFilter, reviews: Subquery, conditions: Subquery, now: datetime
) -> AnySelect:
    query = _filtered(
        sql_select(
            col(Submission.id),
            col(Submission.title),
            col(Institution.name),
            col(Submission.external_id),
            col(Submission.stage),
            col(Submission.current_round),
            col(Submission.eqf_level),
            col(Submission.stage_entered_at),
            func.coalesce(reviews.c.open, 0),
            func.coalesce(reviews.c.done, 0),
            func.coalesce(reviews.c.late, 0),
            func.coalesce(conditions.c.late, 0),
        ),
        filters,
        reviews,
        conditions,
        now,
    )
    if filters.stage:
        query = query.where(col(Submission.stage) == filters.stage)
    order: tuple[Any, ...] = {
        "oldest": (col(Submission.stage_entered_at).asc(), col(Submission.id).asc()),
        "newest": (col(Submission.stage_entered_at).desc(), col(Submission.id).desc()),
        "title": (col(Submission.title).asc(), col(Submission.id).asc()),
    }[filters.sort]
    return query.order_by(*order).offset((filters.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)


def _rows(found: Any, now: datetime) -> list[PipelineRow]:
    return [
        PipelineRow(
            id=int(sid),
            title=str(title),
            provider=str(provider),
            external_id=external_id,
            stage=str(stage),
            round=int(round_number),
            eqf_level=eqf,
            days_in_stage=(now - entered).days,
            stage_limit=stage_day_limit(str(stage)),
            open_reviews=int(open_reviews),
            submitted_reviews=int(done),
            late_reviews=int(late),
            late_conditions=int(late_conditions),
        )
        for (
            sid,
            title,
            provider,
            external_id,
            stage,
            round_number,
            eqf,
            entered,
            open_reviews,
            done,
            late,
            late_conditions,
        ) in found
    ]
