"""Outbox processing: a bad file is isolated, a transient crash is retried, leases expire."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from qa.domain import reviewer_choice
from qa.domain.errors import InvalidInput
from qa.persistence.models import OutboxMessage
from qa.services.automation import outbox as outbox_service
from qa.services.automation import routing as routing_service
from qa.services.automation.outbox import claim_batch, drain, process_batch
from qa.services.automation.routing import RoutingContext, route_submission
from tests.world import World


def submit_three(world: World, good_descriptor: dict[str, Any]) -> list[int]:
    return [
        world.submit(good_descriptor | {"external_id": f"MC-{n}", "title": f"Course {n}"})
        for n in range(3)
    ]


def test_a_refused_file_fails_alone(
    world: World, good_descriptor: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = submit_three(world, good_descriptor)
    real = routing_service._step

    def refuse_second(session: Any, submission: Any, ctx: Any) -> list[str]:
        if submission.id == ids[1]:
            raise InvalidInput("the descriptor cannot be read")
        return real(session, submission, ctx)

    monkeypatch.setattr(routing_service, "_step", refuse_second)
    result = drain(world.db, RoutingContext(today=world.today))
    assert result.failed == {ids[1]: "the descriptor cannot be read"}
    assert [world.stage(i) for i in ids] == ["self_assessment", "submitted", "self_assessment"]
    with world.db.session() as session:
        failed = session.exec(select(OutboxMessage).where(OutboxMessage.status == "failed")).one()
    assert (failed.submission_id, failed.last_error) == (ids[1], "the descriptor cannot be read")


def test_a_worker_that_dies_after_claiming_is_taken_over_after_the_lease(
    world: World, good_descriptor: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = submit_three(world, good_descriptor)
    assert len(claim_batch(world.db, "dead-worker")) == 3
    assert drain(world.db, RoutingContext(today=world.today)).messages == 0  # still leased
    monkeypatch.setattr(outbox_service, "LEASE", timedelta(0))
    assert drain(world.db, RoutingContext(today=world.today)).messages >= 3
    assert [world.stage(i) for i in ids] == ["self_assessment"] * 3


def test_two_workers_routing_one_file_at_once_invite_one_panel(
    world: World, good_descriptor: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second worker holding a message for the same file waits for the first, then reads
    its panel: it invites no one. (The kill test once found four reviewers on a file.)

    The first router pauses between reading the panel and inviting, until the second
    router has read the panel too or a second has passed. Without the lock both read an
    empty panel and each invites two.
    """
    submission_id = world.submit(good_descriptor)
    world.route()
    world.self_assess(submission_id)
    world.screen(submission_id, accept=True)  # queues the peer-review message, not routed
    first_inside, second_inside = threading.Event(), threading.Event()
    real_choose = reviewer_choice.choose_reviewers

    def choose_slowly(*args: Any, **kwargs: Any) -> list[int]:
        if not first_inside.is_set():
            first_inside.set()
            second_inside.wait(timeout=1.0)
        else:
            second_inside.set()
        return real_choose(*args, **kwargs)

    monkeypatch.setattr("qa.services.automation.routing.choose_reviewers", choose_slowly)
    batch = claim_batch(world.db, "worker-1")
    assert {m.submission_id for m in batch} == {submission_id}
    ctx = RoutingContext(today=world.today, settings=world.settings)
    errors: list[BaseException] = []

    def first_worker() -> None:
        try:
            process_batch(world.db, batch, ctx)
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=first_worker)
    thread.start()
    assert first_inside.wait(timeout=10)
    route_submission(world.db, submission_id, RoutingContext(today=world.today))
    thread.join(timeout=30)
    assert not errors and not thread.is_alive()
    panel = world.round_assignments(submission_id)
    assert len(panel) == world.settings.reviewers_to_invite
    assert not second_inside.is_set()  # the second router never chose anyone
