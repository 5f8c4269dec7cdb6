"""The scheduled deadlines flow: reminders, overdue marking, escalation, expiry."""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from qa.config import Settings
from qa.domain.deadlines import DeadlinePolicy
from qa.services.deadlines import apply_deadlines
from workflows.resources import database


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
def deadlines_flow(config: DeadlinesConfig) -> DeadlinesSummary:
    return apply_deadlines_task(config)
