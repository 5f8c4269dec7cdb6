"""The audit-pack flow on a real Prefect API: scheduled and requested packs get built."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlmodel import col, select

from qa.config import Settings
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.export.pack import PackFilter, verify_pack
from qa.export.pack_jobs import request_pack
from qa.persistence.models import AuditPack
from tests.world import World

AGENCY = Actor("Agency auditor", None, frozenset({Role.AGENCY}), None)


def test_the_flow_queues_last_months_pack_and_builds_every_queued_pack(
    prefect_api: str,
    flow_world: World,
    settings_for: Callable[..., Settings],
    good_descriptor: dict[str, Any],
) -> None:
    from workflows.packs import PackConfig, packs_flow

    world = flow_world
    settings = settings_for(world.db)
    request_pack(world.db, AGENCY, PackFilter(date(2026, 1, 1), date(2026, 12, 31)))
    summary = packs_flow(PackConfig.from_settings(settings, date(2026, 12, 1)))
    assert len(summary.built) == 2 and summary.failed == []
    with world.db.session() as session:
        packs = session.exec(select(AuditPack).order_by(col(AuditPack.id))).all()
    assert [p.schedule_key for p in packs] == [None, "monthly:2026-11"]
    for pack in packs:
        assert pack.status == "ready" and pack.file_name
        assert verify_pack(settings.packs_dir / pack.file_name) == []
    again = packs_flow(PackConfig.from_settings(settings, date(2026, 12, 2)))
    assert again.built == []  # the month's pack exists; nothing is queued
