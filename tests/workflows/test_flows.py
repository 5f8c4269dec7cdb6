"""Real Prefect: a full lifecycle, a crash mid-batch and a re-run, deadlines at a frozen clock,
and the runner surviving an unavailable API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from qa.audit.chain import verify
from qa.config import Settings
from qa.persistence.models import Assignment, Notification, OutboxMessage
from qa.services.automation import outbox as outbox_service
from qa.services.automation import routing as routing_service
from qa.services.decisions.decisions import sign_off
from qa.services.review.self_assessment import screen
from tests.world import World

pytestmark = pytest.mark.slow


def run_routing(world: World, settings: Settings) -> Any:
    from workflows.routing import DeliveryConfig, RoutingConfig, routing_flow

    return routing_flow(
        RoutingConfig.from_settings(settings, world.today), DeliveryConfig.from_settings(settings)
    )


def count(world: World, model: type[Any], *where: Any) -> int:
    with world.db.session() as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_full_lifecycle_with_prefect(
    prefect_api: str,
    flow_world: World,
    settings_for: Callable[..., Settings],
    good_descriptor: dict[str, Any],
) -> None:
    world = flow_world
    settings = settings_for(world.db)
    submission_id = world.submit(good_descriptor)
    summary = run_routing(world, settings)
    assert summary.messages >= 1 and summary.failed == {}
    assert world.stage(submission_id) == "self_assessment"
    world.self_assess(submission_id)
    screen(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        accept=True,
    )
    run_routing(world, settings)
    first, second, _ = world.assignments(submission_id)
    world.review(first)
    world.review(second)
    run_routing(world, settings)
    assert world.stage(submission_id) == "sign_off"
    sign_off(
        world.db,
        world.officers[1],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    summary = run_routing(world, settings)
    assert world.stage(submission_id) == "approved"
    assert summary.delivered >= 1
    assert count(world, OutboxMessage, OutboxMessage.status != "done") == 0
    assert count(world, Notification, col(Notification.sent_at).is_(None)) == 0
    assert settings.notification_log.read_text("utf-8").count("\n") == count(world, Notification)


def test_a_crash_mid_batch_loses_and_duplicates_nothing(
    prefect_api: str,
    flow_world: World,
    settings_for: Callable[..., Settings],
    good_descriptor: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = flow_world
    settings = settings_for(world.db)
    ids = [
        world.submit(good_descriptor | {"external_id": f"MC-{n}", "title": f"Course {n}"})
        for n in range(4)
    ]
    real_step = routing_service._step
    crashed: list[int] = []

    def flaky(session: Any, submission: Any, ctx: Any) -> list[str]:
        if submission.id == ids[2] and len(crashed) < 2:  # the chunk, then the file alone
            crashed.append(submission.id)
            raise RuntimeError("worker killed")
        return real_step(session, submission, ctx)

    monkeypatch.setattr(routing_service, "_step", flaky)
    first = run_routing(world, settings)
    assert crashed == [ids[2], ids[2]]
    assert ids[2] in first.failed
    # The crashed submission's rows went back to the outbox and the next batch of the same
    # run routed them: every file moved exactly once.
    assert [world.stage(i) for i in ids] == ["self_assessment"] * 4
    with world.db.session() as session:
        retried = session.exec(
            select(OutboxMessage).where(OutboxMessage.submission_id == ids[2])
        ).all()
    assert max(m.attempts for m in retried) == 2 and "worker killed" in str(retried)
    # Another submission is claimed by a worker that then dies: its rows stay claimed
    # until the lease expires, then the next run takes them over.
    late = world.submit(good_descriptor | {"external_id": "MC-late", "title": "Late course"})
    ids.append(late)
    # A worker that died after claiming leaves claimed rows: the lease makes them come back.
    outbox_service.claim_batch(world.db, "dead-worker")
    monkeypatch.setattr(outbox_service, "LEASE", timedelta(0))
    run_routing(world, settings)
    run_routing(world, settings)

    assert [world.stage(i) for i in ids] == ["self_assessment"] * 5
    assert count(world, OutboxMessage, OutboxMessage.status != "done") == 0
    with world.db.session() as session:
        keys = session.exec(select(Notification.key)).all()
    assert len(keys) == len(set(keys)) == 5  # one "self-assessment open" per submission


def test_deadlines_flow_sends_the_right_reminders_at_a_frozen_clock(
    prefect_api: str,
    flow_world: World,
    settings_for: Callable[..., Settings],
    good_descriptor: dict[str, Any],
) -> None:
    from workflows.deadlines import DeadlinesConfig, deadlines_flow

    world = flow_world
    settings = settings_for(world.db)
    submission_id = world.submit(good_descriptor)
    run_routing(world, settings)
    world.self_assess(submission_id)
    screen(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        accept=True,
    )
    run_routing(world, settings)
    respond_by = world.assignments(submission_id)[0].respond_by
    assert respond_by is not None

    two_days_before = DeadlinesConfig.from_settings(settings, respond_by - timedelta(days=3))
    summary = deadlines_flow(two_days_before)
    again = deadlines_flow(two_days_before)

    assert (summary.reminded, again.reminded) == (3, 0)
    with world.db.session() as session:
        reminders = session.exec(
            select(Notification).where(col(Notification.key).startswith("remind:"))
        ).all()
    assert len(reminders) == 3
    assert all("due in 3 days" in note.body for note in reminders)


def test_the_runner_keeps_routing_when_prefect_is_unreachable(
    flow_world: World,
    settings_for: Callable[..., Settings],
    good_descriptor: dict[str, Any],
) -> None:
    from prefect.settings import PREFECT_CLIENT_MAX_RETRIES, temporary_settings

    from workflows.api import free_port
    from workflows.runner import EmbeddedRunner

    world = flow_world
    settings = settings_for(world.db)
    submission_id = world.submit(good_descriptor)
    runner = EmbeddedRunner(settings, api_url=f"http://127.0.0.1:{free_port()}/api")
    with temporary_settings(updates={PREFECT_CLIENT_MAX_RETRIES: 0}):
        from prefect.settings import PREFECT_API_URL

        with temporary_settings(updates={PREFECT_API_URL: runner.api_url}):
            runner.run_once()
    assert runner.stats.fallback_runs == 1 and runner.stats.flow_runs == 0
    assert world.stage(submission_id) == "self_assessment"
    assert runner.stats.sealed_entries > 0  # the same pass sealed the new audit entries
    assert verify(world.db).ok and verify(world.db).unsealed == 0
    with world.db.session() as session:
        assert session.exec(select(Assignment)).all() == []
