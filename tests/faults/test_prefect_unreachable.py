"""The Prefect API unreachable for a while: actions are recorded, routing catches up.

A real `qa worker` is pointed at a Prefect API address where nothing listens yet
(`QA_PREFECT_API_URL`). Files keep being submitted through the service layer: every one is
recorded (the web request never waits on Prefect) and routed by the runner's plain-function
fallback. Then a Prefect API starts on that address: the worker goes back to routing with
the flow (its count of flow runs grows) and nothing is routed twice.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from qa.persistence.db import Database
from qa.persistence.models import StageChange
from tests.clock import now
from tests.faults.processes import Child, scalar, wait_until
from tests.world import World, build_world
from workflows.api import free_port

pytestmark = pytest.mark.slow
ROUTED = "SELECT count(*) FROM submission WHERE stage = 'self_assessment'"


def _submit(world: World, descriptor: dict[str, Any], names: range) -> None:
    for number in names:
        world.submit(descriptor | {"external_id": f"OUTAGE-{number:03d}"})


def test_routing_falls_back_while_prefect_is_down_and_returns_to_flows_after(
    sqlite_db: Database, today: date, good_descriptor: dict[str, Any], tmp_path: Path
) -> None:
    from prefect.server.api.server import SubprocessASGIServer

    world = build_world(sqlite_db, today)
    database = tmp_path / "qa.sqlite3"
    port = free_port()
    worker = Child(
        tmp_path,
        "worker",
        now=now(),
        log=tmp_path / "worker.log",
        QA_PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
    )
    server = None
    try:
        _submit(world, good_descriptor, range(10))  # recorded while nothing routes with Prefect
        wait_until(lambda: scalar(database, ROUTED) == 10, timeout=60, child=worker)
        _submit(world, good_descriptor, range(10, 20))
        wait_until(lambda: scalar(database, ROUTED) == 20, timeout=60, child=worker)
        assert "routing with plain functions" in worker.output()

        server = SubprocessASGIServer(port=port)  # the API comes back, at the same address
        server.start(timeout=120)
        _submit(world, good_descriptor, range(20, 30))
        wait_until(lambda: scalar(database, ROUTED) == 30, timeout=120, child=worker)
        # Keep acting until the worker has routed through a flow run again.
        _submit(world, good_descriptor, range(30, 35))
        wait_until(lambda: scalar(database, ROUTED) == 35, timeout=120, child=worker)
    finally:
        code = worker.stop()
        if server is not None:
            server.stop()
    output = worker.output()
    assert code == 0, output[-3000:]
    runs = re.search(r"stopped after (\d+) routing runs", output)
    assert runs is not None and int(runs.group(1)) >= 1, output[-3000:]
    print(f"flow runs after the API came back: {runs.group(1)}")

    with sqlite_db.session() as session:
        changes = Counter(
            (c.submission_id, c.from_stage, c.to_stage) for c in session.exec(select(StageChange))
        )
    assert max(changes.values()) == 1  # nothing routed twice across the switch
    assert scalar(database, "SELECT count(*) FROM outbox_message WHERE status != 'done'") == 0
