"""The embedded runner: one thread that routes the outbox and runs the deadlines schedule.

It wakes when kicked (the web app kicks after each action) or every `poll_seconds`, and
runs the routing flow only when outbox rows are waiting, so a human action reaches the next
stage within about a second. If the Prefect API is unavailable it logs it, runs the same
steps as plain functions (SQL is the record, so nothing is lost or duplicated) and goes
back to Prefect as soon as the API answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from qa.audit.chain import has_unsealed, seal
from qa.audit.checkpoints import CHECKPOINT_EVERY, checkpoint_if_due
from qa.audit.signing import SigningKey, load_or_create
from qa.config import Settings
from qa.domain.clock import Clock
from qa.export.pack_jobs import build_next, has_queued, schedule_monthly
from qa.export.pack_recovery import recover_interrupted
from qa.services.automation.delivery import deliver, worker_id
from qa.services.automation.outbox import drain, has_pending
from qa.services.review.deadlines import apply_deadlines
from workflows.api import flow_settings
from workflows.deadlines import DeadlinesConfig, deadlines_flow
from workflows.packs import PackConfig, packs_flow
from workflows.resources import database
from workflows.routing import DeliveryConfig, RoutingConfig, routing_flow

log = logging.getLogger(__name__)
#: How often the delivery loop looks for due messages when nobody kicks it.
DELIVERY_POLL_SECONDS = 2.0
#: How often (seconds) the runner asks whether a checkpoint is due.
CHECKPOINT_POLL_SECONDS = 60.0


@dataclass
class RunnerStats:
    flow_runs: int = 0
    fallback_runs: int = 0
    deadline_runs: int = 0
    last_error: str | None = None
    routed_messages: int = 0
    sealed_entries: int = 0
    pack_runs: int = 0
    delivered: int = 0
    checkpoints: int = 0
    history: list[str] = field(default_factory=list)


class EmbeddedRunner:
    def __init__(
        self,
        settings: Settings,
        *,
        api_url: str | None,
        clock: Clock | None = None,
        worker: str | None = None,
    ) -> None:
        self.settings = settings
        self.api_url = api_url
        self.clock = clock or settings.clock()
        #: Distinct per process, so claims of two workers on one database never look alike.
        self.worker = worker or worker_id()
        self.stats = RunnerStats()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._packs_thread: threading.Thread | None = None
        self._packs_wake = threading.Event()
        self._delivery_thread: threading.Thread | None = None
        self._delivery_wake = threading.Event()
        self._next_deadlines = 0.0
        self._next_schedule = 0.0
        self._next_checkpoint = 0.0
        self._key: SigningKey | None = None

    def today(self) -> date:
        return self.clock.today()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="qa-runner", daemon=True)
        self._thread.start()
        # Packs can take minutes: a thread of their own keeps routing responsive meanwhile.
        self._packs_thread = threading.Thread(target=self._packs_loop, name="qa-packs", daemon=True)
        self._packs_thread.start()
        # Delivery is an outbox of its own: messages go out whoever queued them (routing,
        # deadlines, "remind now"), without waiting for a routing run.
        self._delivery_thread = threading.Thread(
            target=self._delivery_loop, name="qa-delivery", daemon=True
        )
        self._delivery_thread.start()

    def kick(self) -> None:
        """Something changed: route, deliver and look for requested packs now."""
        self._wake.set()
        self._packs_wake.set()
        self._delivery_wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        self._packs_wake.set()
        self._delivery_wake.set()
        for thread in (self._thread, self._packs_thread, self._delivery_thread):
            if thread is not None:
                thread.join(timeout)

    def _loop(self) -> None:
        # Settings are context-local: enter them in the thread that calls the flows.
        backoff = Backoff("routing", self.settings.poll_seconds)
        with flow_settings(self.api_url):
            while not self._stop.is_set():
                self._wake.wait(backoff.after(self.run_once()))
                self._wake.clear()

    def _packs_loop(self) -> None:
        backoff = Backoff("packs", max(self.settings.poll_seconds, 2.0))
        with flow_settings(self.api_url):
            while not self._stop.is_set():
                self._packs_wake.wait(backoff.after(self.packs_once()))
                self._packs_wake.clear()

    def _delivery_loop(self) -> None:
        backoff = Backoff("delivery", DELIVERY_POLL_SECONDS)
        while not self._stop.is_set():
            self._delivery_wake.wait(backoff.after(self.deliver_once()))
            self._delivery_wake.clear()

    def deliver_once(self) -> Exception | None:
        """Send every notification that is due (qa.services.automation.delivery); what failed."""
        try:
            notifier = DeliveryConfig.from_settings(self.settings).notifier()
            run = deliver(
                database(self.settings.database_url),
                notifier.send,
                notifier.channel,
                worker=self.worker,
            )
            self.stats.delivered += run.sent
            if run.failed:
                log.warning(
                    "%d notifications could not be sent (%d given up)", run.failed, run.dead
                )
        except Exception as exc:  # noqa: BLE001 - the runner must survive anything
            self.stats.last_error = repr(exc)
            return exc
        return None

    def packs_once(self) -> Exception | None:
        """Build requested packs; queue the scheduled one at most once an hour.

        Returns what failed (logged by the loop's back-off), or None.
        """
        try:
            db = database(self.settings.database_url)
            recovered = recover_interrupted(db, self.settings.packs_dir)
            if recovered.requeued or recovered.failed:
                log.warning(
                    "interrupted pack builds: %s queued again, %s failed",
                    recovered.requeued,
                    recovered.failed,
                )
            due = (
                self.settings.pack_schedule == "monthly" and time.monotonic() >= self._next_schedule
            )
            if not due and not has_queued(db):
                return None
            if due:
                self._next_schedule = time.monotonic() + 3600.0
            config = PackConfig.from_settings(self.settings, self.today()).model_copy(
                update={"schedule": "monthly" if due else "off"}
            )
            try:
                packs_flow(config)
            except Exception as exc:  # noqa: BLE001 - Prefect unavailable: same steps
                log.warning("Prefect unavailable (%s); building packs with plain functions", exc)
                if config.schedule == "monthly":
                    schedule_monthly(db, config.today)
                while (
                    build_next(
                        db, self.settings.packs_dir, config.deqar(), checkpoint_key=self.key()
                    )
                    is not None
                ):
                    pass
            self.stats.pack_runs += 1
        except Exception as exc:  # noqa: BLE001 - the runner must survive anything (logged by its loop)
            self.stats.last_error = repr(exc)
            return exc
        return None

    def run_once(self) -> Exception | None:
        """One pass: route what is waiting, seal the audit trail, run deadlines when due.

        Returns what failed (logged by the loop's back-off), or None.
        """
        db = database(self.settings.database_url)
        try:
            if has_pending(db):
                self._route()
            if has_unsealed(db):
                self.stats.sealed_entries += seal(db)
            if time.monotonic() >= self._next_checkpoint:
                self._next_checkpoint = time.monotonic() + CHECKPOINT_POLL_SECONDS
                if checkpoint_if_due(db, self.key(), every=CHECKPOINT_EVERY) is not None:
                    self.stats.checkpoints += 1
            if time.monotonic() >= self._next_deadlines:
                self._deadlines()
                self._next_deadlines = time.monotonic() + self.settings.deadlines_every_seconds
        except Exception as exc:  # noqa: BLE001 - the runner must survive anything (logged by its loop)
            self.stats.last_error = repr(exc)
            return exc
        return None

    def key(self) -> SigningKey:
        """The office's signing key, read (or created) once."""
        if self._key is None:
            self._key = load_or_create(self.settings.signing_key_path)
        return self._key

    def _route(self) -> None:
        config = RoutingConfig.from_settings(self.settings, self.today(), self.worker)
        try:
            summary = routing_flow(config)
            self.stats.flow_runs += 1
            self.stats.routed_messages += summary.messages
        except Exception as exc:  # noqa: BLE001 - Prefect unavailable: same steps, no flow
            log.warning("Prefect unavailable (%s); routing with plain functions", exc)
            self.stats.last_error = repr(exc)
            db = database(self.settings.database_url)
            result = drain(db, config.context(), worker=self.worker)
            self.stats.fallback_runs += 1
            self.stats.routed_messages += result.messages
        self._delivery_wake.set()  # routing queued messages: send them now

    def _deadlines(self) -> None:
        config = DeadlinesConfig.from_settings(self.settings, self.today())
        try:
            deadlines_flow(config)
        except Exception as exc:  # noqa: BLE001 - same fallback as routing
            log.warning("Prefect unavailable (%s); deadlines with plain functions", exc)
            apply_deadlines(
                database(self.settings.database_url), today=config.today, policy=config.policy()
            )
        self.stats.deadline_runs += 1
        self._delivery_wake.set()


@dataclass
class Backoff:
    """How long a loop waits: its poll interval, doubled after each failed pass up to `cap`.

    A database that cannot be used (read-only, down) fails every pass: the loop logs one line
    per back-off step (the traceback only at DEBUG) and one line when it works again.
    """

    name: str
    interval: float
    cap: float = 60.0
    failures: int = 0

    def after(self, failure: Exception | None) -> float:
        """The wait before the next pass, after a pass that failed with `failure` (or not)."""
        if failure is None:
            if self.failures:
                log.warning("%s works again after %d failed passes", self.name, self.failures)
            self.failures = 0
            return self.interval
        self.failures += 1
        delay: float = min(self.cap, self.interval * 2.0**self.failures)
        log.warning(
            "%s pass failed (%s: %s); next try in %.1f s",
            self.name,
            type(failure).__name__,
            str(failure).splitlines()[0][:200] if str(failure) else "",
            delay,
        )
        log.debug("%s pass failed", self.name, exc_info=failure)
        return delay
