"""Distributed mode on a real Prefect API: the pool, the deployments, their schedules and the
zombie automation are created once however often `deploy` runs; every entrypoint loads
from the installed package; the deployed flows take their settings from the environment;
the web side's trigger creates one routing run per window, whoever kicks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlmodel import select

from qa.config import Settings
from qa.persistence.models import OutboxMessage
from tests.world import World

pytestmark = pytest.mark.slow


@pytest.fixture
def pool_name() -> str:
    import uuid

    return f"qa-test-{uuid.uuid4().hex[:6]}"


async def _read(pool: str) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import WorkPoolFilter, WorkPoolFilterName

    from workflows.deployments import ZOMBIE_AUTOMATION

    async with get_client() as client:
        work_pool = await client.read_work_pool(pool)
        deployments = await client.read_deployments(
            work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool]))
        )
        schedules = {
            d.name: [s.schedule for s in await client.read_deployment_schedules(d.id)]
            for d in deployments
        }
        automations = await client.read_automations_by_name(ZOMBIE_AUTOMATION)
    return {
        "pool_type": work_pool.type,
        "entrypoints": sorted(d.entrypoint or "" for d in deployments),
        "schedules": schedules,
        "automations": len(automations),
    }


def test_deploy_creates_everything_once(prefect_api: str, pool_name: str) -> None:
    from workflows.deployments import deploy

    first = deploy(pool_name, timezone="Europe/Helsinki", sweep_seconds=7)
    second = deploy(pool_name, timezone="Europe/Helsinki", sweep_seconds=7)
    assert first.created_pool and not second.created_pool
    assert not second.automation  # the zombie automation exists once, by name
    state = asyncio.run(_read(pool_name))
    assert state["pool_type"] == "process"
    assert state["entrypoints"] == [
        "workflows.deadlines.deadlines_flow",
        "workflows.packs.packs_flow",
        "workflows.routing.routing_flow",
        "workflows.sealing.seal_flow",
    ]
    assert state["automations"] == 1
    schedules = state["schedules"]
    assert [s.interval.total_seconds() for s in schedules["route"]] == [7.0]
    assert [(s.cron, s.timezone) for s in schedules["daily"]] == [("0 6 * * *", "Europe/Helsinki")]
    assert [s.interval.total_seconds() for s in schedules["seal"]] == [60.0]
    # A worker starting creates only what is missing: the operator's interval stays.
    started = deploy(pool_name, timezone="UTC", only_missing=True)
    assert started.deployments == []
    kept = asyncio.run(_read(pool_name))["schedules"]
    assert [s.interval.total_seconds() for s in kept["route"]] == [7.0]
    assert [s.timezone for s in kept["daily"]] == ["Europe/Helsinki"]
    # A changed sweep interval replaces the schedule rather than adding a second one.
    deploy(pool_name, timezone="Europe/Helsinki", sweep_seconds=3)
    again = asyncio.run(_read(pool_name))["schedules"]
    assert [s.interval.total_seconds() for s in again["route"]] == [3.0]


def test_every_entrypoint_loads_from_the_installed_package() -> None:
    from prefect.flows import load_flow_from_entrypoint

    from workflows.deployments import deployment_specs

    for spec in deployment_specs():
        loaded: Any = load_flow_from_entrypoint(spec.entrypoint, use_placeholder_flow=False)
        assert loaded.name == spec.flow_name


@pytest.fixture
def environment(
    monkeypatch: pytest.MonkeyPatch, settings_for: Callable[[Any], Settings], flow_world: World
) -> Iterator[Settings]:
    """The worker's environment: what a deployed flow run reads instead of arguments."""
    from workflows.resources import settings_from_environment

    settings = settings_for(flow_world.db)
    monkeypatch.setenv("QA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("QA_DATABASE_URL", settings.database_url)
    settings_from_environment.cache_clear()
    yield settings
    settings_from_environment.cache_clear()


def test_deployed_flows_run_without_arguments(
    prefect_api: str, environment: Settings, flow_world: World, good_descriptor: dict[str, Any]
) -> None:
    from workflows.deadlines import deadlines_flow
    from workflows.packs import packs_flow
    from workflows.routing import routing_flow
    from workflows.sealing import seal_flow

    submission = flow_world.submit(good_descriptor)
    routed = routing_flow()
    assert routed.messages >= 1 and routed.submissions >= 1
    assert flow_world.stage(submission) == "self_assessment"
    sealed = seal_flow()
    assert sealed.sealed >= 1 and sealed.checkpoint_seq is not None
    assert environment.signing_key_path.exists()
    deadlines_flow()
    packs_flow()
    with flow_world.db.session() as session:
        assert (
            session.exec(select(OutboxMessage).where(OutboxMessage.status == "pending")).all() == []
        )


def test_the_web_trigger_asks_once_per_window(
    prefect_api: str, pool_name: str, flow_world: World, good_descriptor: dict[str, Any]
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    from qa.domain.clock import SystemClock
    from workflows.deployments import deploy
    from workflows.trigger import DeploymentTrigger

    deploy(pool_name)
    trigger = DeploymentTrigger(flow_world.db, SystemClock(), window=3600.0)
    assert trigger.fire() == []  # nothing waits: no run is asked for
    flow_world.submit(good_descriptor)
    assert trigger.fire() == ["qa-routing/route"]
    # A second replica kicking in the same window creates no second run.
    DeploymentTrigger(flow_world.db, SystemClock(), window=3600.0).fire()

    async def runs() -> int:
        async with get_client() as client:
            found = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["route"]))
            )
            return len([r for r in found if "on-demand" in (r.tags or [])])

    assert asyncio.run(runs()) == 1
