"""The seal pass: chain new audit entries, sign a checkpoint when one is due, and send the
notifications whose retry time has come.

The embedded runner does the same steps with plain calls between routing passes; in
distributed mode this flow is a deployment on an interval schedule, so the work happens
whichever worker of the pool picks it up (sealing takes a database lock: two passes at
once are safe, the second seals nothing).
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from qa.audit.chain import has_unsealed, seal
from qa.audit.checkpoints import CHECKPOINT_EVERY, checkpoint_if_due
from qa.audit.signing import load_or_create
from qa.services.automation.delivery import worker_id
from workflows.resources import database, settings_from_environment
from workflows.routing import DeliveryConfig, deliver_notifications


class SealSummary(BaseModel):
    sealed: int = 0
    checkpoint_seq: int | None = None
    delivered: int = 0


@task(name="seal-audit-trail", cache_policy=NO_CACHE)
def seal_task(database_url: str) -> int:
    db = database(database_url)
    return seal(db) if has_unsealed(db) else 0


@task(name="checkpoint-if-due", cache_policy=NO_CACHE)
def checkpoint_task(database_url: str, key_path: str) -> int | None:
    written = checkpoint_if_due(
        database(database_url), load_or_create(Path(key_path)), every=CHECKPOINT_EVERY
    )
    return None if written is None else written.seq


@flow(name="qa-audit-seal", persist_result=False, log_prints=False)
def seal_flow() -> SealSummary:
    """One pass with the settings of the process that runs it (a worker of the pool)."""
    settings = settings_from_environment()
    summary = SealSummary(
        sealed=seal_task(settings.database_url),
        checkpoint_seq=checkpoint_task(settings.database_url, str(settings.signing_key_path)),
        delivered=deliver_notifications(DeliveryConfig.from_settings(settings)),
    )
    get_run_logger().info(
        "sealed %d audit entries; checkpoint %s; %d notifications sent (worker %s)",
        summary.sealed,
        summary.checkpoint_seq if summary.checkpoint_seq is not None else "not due",
        summary.delivered,
        worker_id(),
    )
    return summary
