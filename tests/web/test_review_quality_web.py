"""Severity over time on the officer's "Review quality" page: per quarter or month, with the
reviews each point rests on, as a server-drawn SVG sparkline and as text."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from qa.domain.review_stats import PERIODS
from qa.export.review_quality import review_quality
from qa.persistence.models import Scoresheet
from tests.web.conftest import WebUser
from tests.world import World


def _two_files_a_quarter_apart(world: World, good_descriptor: dict[str, Any]) -> tuple[int, ...]:
    """Two files reviewed by their panels; the first file's sheets moved 100 days back (at
    least one quarter, whatever day the clock says). Returns the reviewers of both files."""
    files = [
        world.to_peer_review({**good_descriptor, "external_id": f"IPVN-MC-2027-0{n}"})
        for n in (71, 72)
    ]
    panels = []
    for number, submission_id in enumerate(files):
        first, second, *_ = world.assignments(submission_id)
        world.review(first, 3)
        world.review(second, {c.id: 2 for c in world.rubric.criteria[: 4 + 4 * number]})
        panels.append({first.reviewer_id, second.reviewer_id})
    earlier = datetime.combine(world.today - timedelta(days=100), time(12), UTC)
    with world.db.write() as session:
        session.execute(
            update(Scoresheet)
            .where(col(Scoresheet.submission_id) == files[0], col(Scoresheet.kind) == "peer")
            .values(submitted_at=earlier)
        )
        session.commit()
    return tuple(sorted(panels[0] & panels[1]))


def test_severity_per_quarter_rests_on_the_reviews_of_each_quarter(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    both = _two_files_a_quarter_apart(world, good_descriptor)
    assert both, "three reviewers, two panels of three or two: someone reviewed both"
    view = review_quality(world.db, world.officers[0], draws=20)
    quarter = PERIODS["quarter"]
    old, new = quarter(world.today - timedelta(days=100)), quarter(world.today)
    overall = {s.reviewer_id: s for _, s in view.severity}
    trends = {t.points[0][1].reviewer_id: t for t in view.trends}
    for reviewer in both:
        points = trends[reviewer].points
        assert [name for name, _ in points] == [old, new]
        assert [s.reviews for _, s in points] == [1, 1]
        # the periods add up to the overall figure
        total = sum(s.offset * s.comparisons for _, s in points)
        assert total / sum(s.comparisons for _, s in points) == pytest.approx(
            overall[reviewer].offset
        )
        assert len(trends[reviewer].dots()) == 2 and "," in trends[reviewer].polyline
    by_month = review_quality(world.db, world.officers[0], draws=20, period="month")
    months = {name for t in by_month.trends for name, _ in t.points}
    assert PERIODS["month"](world.today) in months


def test_the_page_draws_the_sparkline_without_script_or_style(
    world: World, web: Callable[[str], WebUser], good_descriptor: dict[str, Any]
) -> None:
    _two_files_a_quarter_apart(world, good_descriptor)
    officer = web("aoife")
    page = officer.get("/officer/review-quality")
    assert page.status_code == 200
    text = page.text
    section = text[text.index("<h2>Severity over time</h2>") : text.index("<h2>Spread per file")]
    assert "<polyline points=" in section and "<circle" in section
    old = PERIODS["quarter"](world.today - timedelta(days=100))
    assert re.search(rf"{old}: [+-]\d\.\d\d \(1 review, \d+ scores\)", section)
    assert "<script" not in section and "style=" not in section and "on" + "load" not in section
    month = officer.get("/officer/review-quality?by=month").text
    assert PERIODS["month"](world.today) + ":" in month
    assert officer.get("/officer/review-quality?by=decade").status_code == 422
