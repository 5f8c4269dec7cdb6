"""The scheduled deadlines flow: reminders, overdue marking, escalation, expiry."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from qa.config import Settings
from qa.domain.deadlines import DeadlinePolicy
from qa.services.review.deadlines import apply_deadlines
from workflows.resources import database, settings_from_environment


class DeadlinesConfig(BaseModel):
    database_url: str
    today: date
    remind_before_days: tuple[int, ...] = (3, 1)
    remind_after_days: tuple[int, ...] = (1, 3)
    escalate_after_days: int = 5
    expire_invitation_after_days: int = 3

    @classmethod
    def from_settings(cls, settings: Settings, today: date) -> DeadlinesConfig:
        policy = settings.deadlines
        return cls(
            database_url=settings.database_url,
            today=today,
            remind_before_days=policy.remind_before_days,
            remind_after_days=policy.remind_after_days,
            escalate_after_days=policy.escalate_after_days,
            expire_invitation_after_days=policy.expire_invitation_after_days,
        )

    def policy(self) -> DeadlinePolicy:
        return DeadlinePolicy(
            remind_before_days=self.remind_before_days,
            remind_after_days=self.remind_after_days,
            escalate_after_days=self.escalate_after_days,
            expire_invitation_after_days=self.expire_invitation_after_days,
        )


class DeadlinesSummary(BaseModel):
    reminded: int
    marked_overdue: int
    escalated: int
    expired: int


@task(name="apply-deadlines", cache_policy=NO_CACHE)
def apply_deadlines_task(config: DeadlinesConfig) -> DeadlinesSummary:
    run = apply_deadlines(database(config.database_url), today=config.today, policy=config.policy())
    return DeadlinesSummary(
        reminded=run.reminded,
        marked_overdue=run.marked_overdue,
        escalated=run.escalated,
        expired=run.expired,
    )


@flow(name="qa-deadlines", persist_result=False, log_prints=False)
def deadlines_flow(config: DeadlinesConfig | None = None) -> DeadlinesSummary:
    """Reminders, overdue marking, escalation and expiry for today (idempotent per day).

    Without arguments (a deployment on the server's cron schedule) the settings and the
    office's day come from the environment of the process that runs it.
    """
    if config is None:
        settings = settings_from_environment()
        config = DeadlinesConfig.from_settings(settings, settings.clock().today())
    summary = apply_deadlines_task(config)
    get_run_logger().info(
        "%d reminded, %d marked overdue, %d escalated, %d expired",
        summary.reminded,
        summary.marked_overdue,
        summary.escalated,
        summary.expired,
    )
    return summary
