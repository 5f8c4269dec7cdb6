"""The audit-pack flow: build every queued pack (requested on the agency page, by the
CLI, or queued by the monthly schedule), one task per pack so each shows in Prefect."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from qa.audit.signing import SigningKey, load_or_create
from qa.config import DeqarSettings, Settings
from qa.export.pack import DeqarConfig
from qa.export.pack_jobs import build_next, schedule_monthly
from qa.export.pack_recovery import recover_interrupted
from workflows.resources import database, settings_from_environment


class PackConfig(BaseModel):
    database_url: str
    packs_dir: str
    today: date
    schedule: str = "monthly"
    deqar_settings: DeqarSettings = DeqarSettings()
    #: The office key that signs the checkpoint each pack carries (None: no checkpoint).
    signing_key_path: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, today: date) -> PackConfig:
        return cls(
            database_url=settings.database_url,
            packs_dir=str(settings.packs_dir),
            today=today,
            schedule=settings.pack_schedule,
            deqar_settings=settings.deqar,
            signing_key_path=str(settings.signing_key_path),
        )

    def deqar(self) -> DeqarConfig:
        return DeqarConfig.from_settings(self.deqar_settings)

    def checkpoint_key(self) -> SigningKey | None:
        return (
            None if self.signing_key_path is None else load_or_create(Path(self.signing_key_path))
        )


class PackSummary(BaseModel):
    built: list[int] = []
    failed: list[int] = []


@task(name="build-audit-pack", cache_policy=NO_CACHE)
def build_one(config: PackConfig) -> tuple[int, str] | None:
    outcome = build_next(
        database(config.database_url),
        Path(config.packs_dir),
        config.deqar(),
        checkpoint_key=config.checkpoint_key(),
    )
    return None if outcome is None else (outcome.pack_id, outcome.status)


@flow(name="qa-audit-packs", persist_result=False, log_prints=False)
def packs_flow(config: PackConfig | None = None) -> PackSummary:
    """Queue again the builds a killed worker left, queue the scheduled pack when due, then
    build until nothing waits.

    Without arguments (a deployment: on request from the agency page, and on the server's
    schedule) the settings and the day come from the environment of the process that runs it.
    """
    if config is None:
        settings = settings_from_environment()
        config = PackConfig.from_settings(settings, settings.clock().today())
    recover_interrupted(database(config.database_url), Path(config.packs_dir))
    if config.schedule == "monthly":
        schedule_monthly(database(config.database_url), config.today)
    summary = PackSummary()
    while (done := build_one(config)) is not None:
        (summary.built if done[1] == "ready" else summary.failed).append(done[0])
    get_run_logger().info("%d packs built, %d failed", len(summary.built), len(summary.failed))
    return summary
