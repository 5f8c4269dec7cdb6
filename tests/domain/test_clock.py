"""One clock: nothing else reads the time, and every part agrees on the office's day."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import update
from sqlmodel import col

from qa.config import Settings
from qa.domain.clock import SystemClock
from qa.domain.errors import InvalidInput
from qa.domain.review_settings import ReviewSettings
from qa.persistence.models import Assignment
from qa.services.pages.dashboard import PipelineFilter, pipeline
from qa.services.review.deadlines import apply_deadlines
from tests.world import World

ROOT = Path(__file__).resolve().parents[2]
#: Calls that read the time on their own (`time.monotonic` measures durations: allowed).
TIME_READERS = {
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}


def _time_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and (node.func.value.id, node.func.attr) in TIME_READERS
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_clock_reads_the_time() -> None:
    sources = [*ROOT.joinpath("qa").rglob("*.py"), *ROOT.joinpath("workflows").rglob("*.py")]
    assert len(sources) > 100
    clock = ROOT / "qa" / "domain" / "clock.py"
    assert _time_reads(clock)  # the detector sees the one legitimate reader
    readers = [hit for path in sources if path != clock for hit in _time_reads(path)]
    assert readers == [], f"read the time through qa.domain.clock instead: {readers}"


def test_the_office_day_follows_its_time_zone() -> None:
    # 11:00 UTC on New Year's Eve is already New Year's Day at UTC+14.
    with time_machine.travel(datetime(2027, 12, 31, 11, 0, tzinfo=UTC), tick=False):
        assert SystemClock().today() == date(2027, 12, 31)
        kiritimati = SystemClock(ZoneInfo("Pacific/Kiritimati"))
        assert kiritimati.today() == date(2028, 1, 1)
        assert kiritimati.now() == SystemClock().now()  # one instant, whatever the zone
        assert kiritimati.now().tzinfo is UTC


def test_the_time_zone_comes_from_the_environment_and_a_bad_one_is_named() -> None:
    settings = Settings.from_env({"QA_TIMEZONE": "Europe/Lisbon"})
    assert settings.clock().zone == ZoneInfo("Europe/Lisbon")
    assert Settings.from_env({}).clock().zone is UTC
    with pytest.raises(InvalidInput) as raised:
        Settings.from_env({"QA_TIMEZONE": "Mars/Olympus_Mons"})
    assert any("QA_TIMEZONE" in problem for problem in raised.value.problems)


def test_the_dashboard_and_the_deadlines_agree_on_the_offices_day(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    """At 23:30 UTC it is already tomorrow in Helsinki: both call a review due today late."""
    world.db.clock = SystemClock(ZoneInfo("Europe/Helsinki"))
    submission_id = world.to_peer_review(good_descriptor)
    first = world.assignments(submission_id)[0]
    utc_day = world.today + timedelta(days=2)
    with world.db.write() as session:
        session.execute(
            update(Assignment).where(col(Assignment.id) == first.id).values(respond_by=utc_day)
        )
        session.commit()
    late_evening = datetime.combine(utc_day, datetime.min.time(), UTC) + timedelta(hours=23.5)
    helsinki = world.db.clock
    with time_machine.travel(late_evening, tick=False):
        office_day = helsinki.today()
        assert office_day == utc_day + timedelta(days=1)
        world.db.clock = SystemClock()  # Greenwich's day: the answer is not late yet
        assert _late_reviews(world) == 0
        world.db.clock = helsinki
        assert _late_reviews(world) == 1
        run = apply_deadlines(world.db, today=helsinki.today())
    # the reminder one day after the answer was due, by the office's calendar
    assert f"remind:{first.id}:respond:{utc_day}:1" in run.keys, run.keys


def _late_reviews(world: World) -> int:
    view = pipeline(
        world.db,
        world.officers[0],
        PipelineFilter(),
        now=world.db.clock.now(),
        settings=ReviewSettings(),
    )
    return view.late_review_count
