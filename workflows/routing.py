"""The routing flow: drain the outbox in batches and run each submission's automated step.

Flows only put tasks in order; the work is in plain service functions (`qa.services`),
so one flow run handles many submissions at plain-Python speed. The flow takes ids and
settings, re-reads SQL and acts idempotently: SQL is the record, never the flow run.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from qa.config import Settings, SmtpSettings
from qa.domain.review_settings import ReviewSettings
from qa.services.automation.delivery import deliver_pending, worker_id
from qa.services.automation.outbox import BATCH_SIZE, claim_batch, process_batch
from qa.services.automation.routing import RoutingContext
from workflows.notifier import LogNotifier, Notifier, SmtpNotifier
from workflows.resources import database, settings_from_environment


class RoutingConfig(BaseModel):
    database_url: str
    today: date
    worker: str = "embedded"
    batch_size: int = BATCH_SIZE
    max_batches: int = 100
    reviewers_to_invite: int = 3
    required_reviews: int = 2
    respond_days: int = 5
    review_days: int = 21
    max_load: int = 6

    @classmethod
    def from_settings(
        cls, settings: Settings, today: date, worker: str = "embedded"
    ) -> RoutingConfig:
        return cls(
            database_url=settings.database_url,
            today=today,
            worker=worker,
            reviewers_to_invite=settings.review.reviewers_to_invite,
            required_reviews=settings.review.required_reviews,
            respond_days=settings.review.respond_days,
            review_days=settings.review.review_days,
            max_load=settings.review.max_load,
        )

    def context(self) -> RoutingContext:
        return RoutingContext(
            today=self.today,
            settings=ReviewSettings(
                reviewers_to_invite=self.reviewers_to_invite,
                required_reviews=self.required_reviews,
                respond_days=self.respond_days,
                review_days=self.review_days,
                max_load=self.max_load,
            ),
        )


class RoutingSummary(BaseModel):
    messages: int = 0
    submissions: int = 0
    steps: int = 0
    failed: dict[int, str] = {}
    delivered: int = 0


@task(name="route-batch", cache_policy=NO_CACHE)
def route_batch(config: RoutingConfig) -> RoutingSummary | None:
    """Claim one batch and route it; None when the outbox is empty."""
    db = database(config.database_url)
    batch = claim_batch(db, config.worker, limit=config.batch_size)
    if not batch:
        return None
    result = process_batch(db, batch, config.context())
    return RoutingSummary(
        messages=result.messages,
        submissions=result.submissions,
        steps=len(result.steps),
        failed=result.failed,
    )


class DeliveryConfig(BaseModel):
    database_url: str
    notification_log: str
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_sender: str = "qa@localhost"
    smtp_starttls: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryConfig:
        smtp = settings.smtp
        return cls(
            database_url=settings.database_url,
            notification_log=str(settings.notification_log),
            smtp_host=smtp.host if smtp else None,
            smtp_port=smtp.port if smtp else 587,
            smtp_username=smtp.username if smtp else None,
            smtp_password=smtp.password if smtp else None,
            smtp_sender=smtp.sender if smtp else "qa@localhost",
            smtp_starttls=smtp.starttls if smtp else True,
        )

    def notifier(self) -> Notifier:
        if self.smtp_host:
            return SmtpNotifier(
                SmtpSettings(
                    self.smtp_host,
                    self.smtp_port,
                    self.smtp_username,
                    self.smtp_password,
                    self.smtp_sender,
                    self.smtp_starttls,
                )
            )
        return LogNotifier(Path(self.notification_log))


@task(name="deliver-notifications", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=5)
def deliver_notifications(config: DeliveryConfig) -> int:
    notifier = config.notifier()
    return deliver_pending(
        database(config.database_url), notifier.send, notifier.channel, worker=worker_id()
    )


@flow(name="qa-routing", persist_result=False, log_prints=False)
def routing_flow(
    config: RoutingConfig | None = None, delivery: DeliveryConfig | None = None
) -> RoutingSummary:
    """Drain the outbox; then hand new notifications to the notifier.

    Without arguments (a deployment run by a worker of the pool) the settings, the day and
    the worker's identity come from the environment of the process that runs it.
    """
    if config is None:
        settings = settings_from_environment()
        config = RoutingConfig.from_settings(settings, settings.clock().today(), worker_id())
        delivery = DeliveryConfig.from_settings(settings)
    total = RoutingSummary()
    for _ in range(config.max_batches):
        summary = route_batch(config)
        if summary is None:
            break
        total.messages += summary.messages
        total.submissions += summary.submissions
        total.steps += summary.steps
        total.failed |= summary.failed
    if delivery is not None:
        total.delivered = deliver_notifications(delivery)
    get_run_logger().info(
        "routed %d submissions (%d messages, %d steps, %d failed); %d notifications sent",
        total.submissions,
        total.messages,
        total.steps,
        len(total.failed),
        total.delivered,
    )
    return total
