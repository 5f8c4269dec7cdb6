"""The officer pipeline says when routing last ran and whether it is behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import update

from qa.persistence.models import OutboxMessage
from tests.clock import now
from tests.web.conftest import WebUser
from tests.world import World


def test_the_pipeline_shows_routing_behind(
    world: World, good_descriptor: dict[str, Any], web: Callable[[str], WebUser]
) -> None:
    officer = web("aoife")
    assert "Routing has nothing to do yet" in officer.get("/officer").text
    world.submit(good_descriptor)
    with world.db.write() as session:  # the message has waited two minutes: nobody routes
        session.execute(update(OutboxMessage).values(created_at=now() - timedelta(minutes=2)))
        session.commit()
    page = officer.get("/officer").text
    assert "Routing is behind" in page and "the oldest for 2 min" in page
    world.route()
    assert "Routing is up to date" in officer.get("/officer").text
