"""Distributed mode, web side: ask the pool to route now, never waiting for it.

The web app calls `kick()` after each action (as it kicks the embedded runner). A thread
of its own coalesces the kicks of one `window` and then asks the Prefect server for one
run of each deployment that has work: routing when outbox rows or due notifications wait,
the pack builder when a pack is queued. `run_deployment(..., timeout=0)` returns as soon as
the run is created; the idempotency key names the time window, so every web replica kicking
in the same window creates one run between them. Anything missed (the Prefect server
down, a replica stopped) is picked up by the interval sweep: SQL is the record.
"""

from __future__ import annotations

import logging
import math
import threading
import time

from qa.domain.clock import Clock
from qa.export.pack_jobs import has_queued
from qa.persistence.db import Database
from qa.services.automation.delivery import has_due
from qa.services.automation.outbox import has_pending
from workflows.deployments import PACKS, ROUTING

log = logging.getLogger(__name__)


class DeploymentTrigger:
    def __init__(self, db: Database, clock: Clock, *, window: float = 1.0) -> None:
        self.db = db
        self.clock = clock
        self.window = window
        self.requested = 0
        self.failed = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qa-trigger", daemon=True)

    def start(self) -> DeploymentTrigger:
        self._thread.start()
        return self

    def kick(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait()
            if self._stop.is_set():
                return
            time.sleep(self.window)  # coalesce the burst: one run for all of it
            self._wake.clear()
            try:
                self.fire()
            except Exception as exc:  # noqa: BLE001 - the sweep will catch up; log once
                self.failed += 1
                log.warning("could not ask Prefect to route now (%s); the sweep will", exc)

    def fire(self) -> list[str]:
        """Create the runs that have work now; the deployments' names that were asked for."""
        from prefect.deployments import run_deployment

        window = math.floor(self.clock.now().timestamp() / self.window)
        asked = []
        if has_pending(self.db) or has_due(self.db):
            asked.append(ROUTING)
        if has_queued(self.db):
            asked.append(PACKS)
        for name in asked:
            run_deployment(
                name,
                timeout=0,
                as_subflow=False,
                idempotency_key=f"{name}:{window}",
                tags=["on-demand"],
            )
            self.requested += 1
        return asked
