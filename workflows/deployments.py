"""Distributed mode: the product's flows as deployments of a Prefect process work pool.

`qa deploy` (and `qa worker --pool` on start) creates, idempotently, against
`PREFECT_API_URL`:

- the process work pool;
- one deployment per flow, whose entrypoint is a module path of the installed package
  (`workflows.routing.routing_flow`): a worker runs the code it has installed, nothing is
  downloaded at run time; the flows take no arguments and read the worker's `QA_*`
  environment;
- the schedules, run by the Prefect server's scheduler: a routing sweep every few seconds
  (the catch-all behind the web app's on-demand runs), the seal pass every minute,
  deadlines every day at 06:00 in the office's time zone, and the pack builder every hour
  (it queues last month's pack on the 1st, at most once, and builds requested packs);
- an automation that marks a flow run Crashed when its heartbeats stop (a killed worker).

How many routing runs can run at once is bounded by the workers themselves
(`prefect worker start --limit`), never by a server-side slot that a killed worker could
hold: SQL leases, not Prefect, make a replayed or abandoned batch harmless.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

#: Deployment names as `run_deployment` wants them: "<flow name>/<deployment name>".
ROUTING = "qa-routing/route"
PACKS = "qa-audit-packs/build"
DEADLINES = "qa-deadlines/daily"
SEAL = "qa-audit-seal/seal"
ZOMBIE_AUTOMATION = "qa: crash flow runs whose heartbeats stopped"
#: The routing sweep's default interval: the catch-all behind on-demand runs. Each run is a
#: process of its own on a worker (about 2 s of CPU to start), so seconds would cost a core.
SWEEP_SECONDS = 30.0
#: Heartbeat period the workers set (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, at least 30 s).
HEARTBEAT_SECONDS = 30


@dataclass(frozen=True)
class Schedule:
    interval_seconds: float | None = None
    cron: str | None = None


@dataclass(frozen=True)
class DeploymentSpec:
    flow_name: str
    name: str
    entrypoint: str
    description: str
    schedules: tuple[Schedule, ...] = ()
    tags: tuple[str, ...] = field(default=("qa",))

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"


def deployment_specs(*, sweep_seconds: float = SWEEP_SECONDS) -> list[DeploymentSpec]:
    """Every flow of the product with its schedules (times in the office's zone)."""
    return [
        DeploymentSpec(
            "qa-routing",
            "route",
            "workflows.routing.routing_flow",
            "Route the outbox: run on demand by the web app and swept on an interval.",
            (Schedule(interval_seconds=sweep_seconds),),
        ),
        DeploymentSpec(
            "qa-audit-seal",
            "seal",
            "workflows.sealing.seal_flow",
            "Chain new audit entries, sign a checkpoint when due, retry notifications.",
            (Schedule(interval_seconds=60.0),),
        ),
        DeploymentSpec(
            "qa-deadlines",
            "daily",
            "workflows.deadlines.deadlines_flow",
            "Reminders, overdue marking, escalation and expiry for the office's day.",
            (Schedule(cron="0 6 * * *"),),
        ),
        DeploymentSpec(
            "qa-audit-packs",
            "build",
            "workflows.packs.packs_flow",
            "Build requested audit packs; queue last month's pack once on the 1st.",
            (Schedule(cron="5 * * * *"),),
        ),
    ]


@dataclass
class DeployReport:
    pool: str
    created_pool: bool
    deployments: list[str]
    automation: bool


def deploy(
    pool: str,
    *,
    timezone: str = "UTC",
    sweep_seconds: float = SWEEP_SECONDS,
    only_missing: bool = False,
) -> DeployReport:
    """Create or update the pool, the deployments and their schedules (idempotent).

    `only_missing` (what a worker does on start) creates what does not exist yet and leaves
    existing deployments as the operator's last `qa deploy` made them.
    """
    return asyncio.run(
        _deploy(pool, timezone=timezone, sweep_seconds=sweep_seconds, only_missing=only_missing)
    )


async def _deploy(
    pool: str, *, timezone: str, sweep_seconds: float, only_missing: bool
) -> DeployReport:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        created = await _ensure_pool(client, pool)
        names = []
        for spec in deployment_specs(sweep_seconds=sweep_seconds):
            if only_missing and await _exists(client, spec):
                continue
            await _apply(client, spec, pool, timezone)
            names.append(spec.full_name)
        automation = await _ensure_zombie_automation()
    return DeployReport(pool, created, names, automation)


async def _exists(client: Any, spec: DeploymentSpec) -> bool:
    from prefect.exceptions import ObjectNotFound

    try:
        await client.read_deployment_by_name(spec.full_name)
    except ObjectNotFound:
        return False
    return True


async def _ensure_pool(client: Any, pool: str) -> bool:
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    try:
        await client.read_work_pool(pool)
        return False
    except ObjectNotFound:
        pass
    await client.create_work_pool(
        WorkPoolCreate(
            name=pool,
            type="process",
            description="QA for micro-credentials: routing, seal pass, deadlines, packs",
            base_job_template=ProcessWorker.get_default_base_job_template(),
        ),
        overwrite=True,
    )
    return True


async def _apply(client: Any, spec: DeploymentSpec, pool: str, timezone: str) -> None:
    from prefect.client.schemas.actions import DeploymentScheduleCreate

    flow_id = await client.create_flow_from_name(spec.flow_name)
    deployment_id = await client.create_deployment(
        flow_id=flow_id,
        name=spec.name,
        entrypoint=spec.entrypoint,
        work_pool_name=pool,
        description=spec.description,
        tags=list(spec.tags),
        pull_steps=[],
        parameter_openapi_schema={"type": "object", "properties": {}},
        enforce_parameter_schema=False,
    )
    # Replace the schedules rather than add to them, and only when they changed: running
    # `qa deploy` twice (every worker does on start) leaves exactly the wanted ones, and
    # the runs the scheduler already created for them stay valid.
    wanted = [_schedule(item, timezone) for item in spec.schedules]
    existing = await client.read_deployment_schedules(deployment_id)
    if sorted(_key(s.schedule) for s in existing) == sorted(_key(w) for w in wanted):
        return
    for old in existing:
        await client.delete_deployment_schedule(deployment_id, old.id)
    if wanted:
        await client.create_deployment_schedules(
            deployment_id,
            [DeploymentScheduleCreate(schedule=schedule, active=True) for schedule in wanted],
        )


def _schedule(item: Schedule, timezone: str) -> Any:
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

    if item.interval_seconds is not None:
        return IntervalSchedule(interval=timedelta(seconds=item.interval_seconds))
    return CronSchedule(cron=item.cron or "", timezone=timezone)


def _key(schedule: Any) -> str:
    interval = getattr(schedule, "interval", None)
    if interval is not None:
        return f"every {interval.total_seconds():g}"
    return f"cron {getattr(schedule, 'cron', '')} {getattr(schedule, 'timezone', '')}"


async def _ensure_zombie_automation() -> bool:
    """The automation of Prefect's "detect zombie flows" guide, created once by name."""
    from prefect.automations import Automation
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import EventTrigger, Posture
    from prefect.events.schemas.events import ResourceSpecification

    try:
        existing = await Automation.aread(name=ZOMBIE_AUTOMATION)
    except ValueError:
        existing = None
    if existing is not None:
        return False
    await Automation(
        name=ZOMBIE_AUTOMATION,
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={
                "prefect.flow-run.heartbeat",
                "prefect.flow-run.Completed",
                "prefect.flow-run.Failed",
                "prefect.flow-run.Cancelled",
                "prefect.flow-run.Crashed",
            },
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=HEARTBEAT_SECONDS * 3),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=f"No heartbeat for {HEARTBEAT_SECONDS * 3} s: the worker is gone.",
            )
        ],
    ).acreate()
    return True
