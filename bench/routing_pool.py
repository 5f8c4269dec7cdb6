"""Routing through the work pool: 1 and 2 pool workers against the in-process flow.

    python bench/routing.py --pool [N]       (default 400 submissions per run)

Three PostgreSQL databases get the same N submissions and the same simulated actors
(bench/routing.py's lifecycle); only who routes differs: the routing flow called in this
process (the embedded mode's path), or the `qa-routing/route` deployment run by one, then
two, Prefect process workers (`qa.cli.cluster`, Prefect server on PostgreSQL). For the
pool, the bench asks for two runs the way the web app does (`run_deployment`, timeout 0)
and times until the outbox is empty, so each figure includes the pool's own latency
(polling, one process per flow run). Printed: transitions/s per path and the ratios.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sqlmodel import col, func, select

from bench.postgres import databases
from qa.persistence.db import Database
from qa.persistence.models import OutboxMessage
from qa.services.automation.outbox import has_pending
from qa.services.people.passwords import use_cheap_hashing_for_tests


def pool_route(runs: int) -> Callable[[Database], tuple[float, int]]:
    """Ask the pool for `runs` routing runs and wait until the outbox is empty."""
    from prefect.deployments import run_deployment

    from workflows.deployments import ROUTING

    def route(db: Database) -> tuple[float, int]:
        before = _done(db)
        start = time.perf_counter()
        for _ in range(runs):
            run_deployment(ROUTING, timeout=0, as_subflow=False)
        while has_pending(db):
            time.sleep(0.02)
        return time.perf_counter() - start, _done(db) - before

    return route


def _done(db: Database) -> int:
    with db.session() as session:
        return int(
            session.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(col(OutboxMessage.status) == "done")
            ).one()
        )


def main(count: int) -> None:
    import bench.routing as base
    from qa.cli.cluster import Cluster, ClusterSpec
    from workflows.api import flow_settings

    base.SETTINGS = replace(base.SETTINGS, max_load=-(-2 * count // base.REVIEWERS) + 1)
    use_cheap_hashing_for_tests()
    rows = []
    with tempfile.TemporaryDirectory() as tmp, databases(4, "qa_route") as urls:
        in_process, one, two, prefect = urls
        casts = {}
        for url in (in_process, one, two):
            casts[url] = base.setup_url(url, count)
        spec = ClusterSpec(
            folder=Path(tmp) / "cluster",
            database_url=one,
            prefect_database_url=prefect.replace("psycopg", "asyncpg"),
            workers=1,
            web=0,
            sweep_seconds=3600.0,  # only the bench's own requests route
            extra_env={
                "QA_REVIEWERS_TO_INVITE": str(base.SETTINGS.reviewers_to_invite),
                "QA_REQUIRED_REVIEWS": str(base.SETTINGS.required_reviews),
                "QA_REVIEWER_MAX_LOAD": str(base.SETTINGS.max_load),
            },
        )
        cluster = Cluster(spec)
        try:
            cluster.start()
            os.environ["PREFECT_API_URL"] = cluster.api_url
            with flow_settings(cluster.api_url):
                db = casts[in_process][0]
                seconds, automated, messages = base.lifecycle(
                    db, casts[in_process][1], base.prefect_route_factory(None)
                )
                rows.append(("in-process flow", seconds, automated, messages))
            for label, url, workers in (("pool, 1 worker", one, 1), ("pool, 2 workers", two, 2)):
                if workers == 2:
                    _switch_database(cluster, url)
                    cluster.start_worker(2)
                db = casts[url][0]
                seconds, automated, messages = base.lifecycle(
                    db, casts[url][1], pool_route(workers)
                )
                rows.append((label, seconds, automated, messages))
        finally:
            cluster.stop()
    print(f"submissions: {count} per path, PostgreSQL, Prefect server on PostgreSQL")
    for label, seconds, automated, messages in rows:
        print(
            f"{label:>16}: routing {seconds:6.2f} s for {messages} outbox messages, "
            f"{automated} automated transitions ({automated / seconds:,.0f} transitions/s)"
        )
    flow, pool1, pool2 = (automated / seconds for _, seconds, automated, _ in rows)
    print(f"ratio pool(2)/in-process: {pool2 / flow:.2f}; pool(2)/pool(1): {pool2 / pool1:.2f}")


def _switch_database(cluster: object, url: str) -> None:
    """The running worker routes the first database; the 2-worker run uses a fresh one."""
    from qa.cli.cluster import Cluster

    assert isinstance(cluster, Cluster)
    cluster.kill("worker-1")
    cluster.members.remove(cluster.member("worker-1"))
    cluster.spec.database_url = url
    cluster.start_worker(1)
