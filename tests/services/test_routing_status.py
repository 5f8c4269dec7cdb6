"""The pipeline says whether routing keeps up: read from the outbox, the same in both modes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from qa.domain.errors import NotAllowed
from qa.domain.labels import ago
from qa.services.pages.routing_status import BEHIND_AFTER, routing_status
from tests.clock import now
from tests.world import World


def test_nothing_routed_yet(world: World) -> None:
    status = routing_status(world.db, world.officers[0], now=now())
    assert (status.waiting, status.last_routed_at, status.behind) == (0, None, False)


def test_waiting_messages_become_behind_after_a_minute(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    world.submit(good_descriptor)
    fresh = routing_status(world.db, world.officers[0], now=now())
    assert fresh.waiting >= 1 and not fresh.behind
    later = routing_status(
        world.db, world.officers[0], now=now() + BEHIND_AFTER + timedelta(seconds=5)
    )
    assert later.behind and later.oldest_wait is not None and later.oldest_wait > BEHIND_AFTER


def test_routed_messages_leave_the_queue_and_set_the_last_run(
    world: World, good_descriptor: dict[str, Any]
) -> None:
    world.submit(good_descriptor)
    world.route()
    status = routing_status(world.db, world.officers[0], now=now() + timedelta(minutes=5))
    assert status.waiting == 0 and not status.behind
    assert status.last_routed_ago is not None and status.last_routed_ago >= timedelta(minutes=4)


def test_only_officers_see_it(world: World) -> None:
    with pytest.raises(NotAllowed):
        routing_status(world.db, world.provider, now=now())


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "never"),
        (5, "5 s"),
        (119, "119 s"),
        (600, "10 min"),
        (7200, "2 h"),
        (200_000, "2 days"),
    ],
)
def test_ago_reads_at_a_glance(seconds: int | None, text: str) -> None:
    assert ago(None if seconds is None else timedelta(seconds=seconds)) == text
