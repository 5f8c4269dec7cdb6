"""Outbox processing: a bad file is isolated, a transient crash is retried, leases expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from qa.domain.errors import InvalidInput
from qa.persistence.models import OutboxMessage
from qa.services.automation import outbox as outbox_service
from qa.services.automation import routing as routing_service
from qa.services.automation.outbox import claim_batch, drain
from qa.services.automation.routing import RoutingContext
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
