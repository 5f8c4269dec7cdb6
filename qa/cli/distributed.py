"""Distributed mode commands: `qa deploy` and the pool side of `qa worker --pool`.

Selected by environment only: `QA_WORK_POOL` (and `QA_PREFECT_API_URL`, the Prefect server
every process talks to). The flows are the embedded ones; only who runs them changes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from qa.cli.context import settings
from qa.cli.exit_codes import EXIT_USER_ERROR
from qa.config import Settings


def register_distributed_commands(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("cluster")(cluster)


def require_distributed(config: Settings, pool: str | None) -> str:
    """The pool to use; a clear error when the Prefect server is not configured."""
    name = pool or config.work_pool
    if not name:
        typer.echo("error: name the work pool with --pool or QA_WORK_POOL", err=True)
        raise typer.Exit(EXIT_USER_ERROR)
    if not config.prefect_api_url:
        typer.echo(
            "error: distributed mode needs the Prefect server's address in QA_PREFECT_API_URL "
            "(e.g. http://prefect.internal:4200/api)",
            err=True,
        )
        raise typer.Exit(EXIT_USER_ERROR)
    return name


def deploy(
    pool: str | None = typer.Option(None, help="Work pool name (default: QA_WORK_POOL)."),
    sweep_seconds: float = typer.Option(
        30.0, min=1.0, help="How often the routing sweep runs (the catch-all)."
    ),
) -> None:
    """Create or update the work pool, a deployment of every flow, and their schedules."""
    config = settings()
    name = require_distributed(config, pool)
    from workflows.prefect_env import prepare_prefect_environment

    prepare_prefect_environment(config)
    from workflows.deployments import deploy as apply

    report = apply(name, timezone=config.timezone, sweep_seconds=sweep_seconds)
    typer.echo(f"work pool {report.pool}: {'created' if report.created_pool else 'exists'}")
    for deployment in report.deployments:
        typer.echo(f"deployment {deployment}")
    if report.automation:
        typer.echo("automation created: flow runs whose heartbeats stop are marked Crashed")


def pool_worker(config: Settings, pool: str, *, limit: int, healthcheck_port: int | None) -> None:
    """Deploy (idempotent), then run Prefect's own process worker on the pool until stopped.

    `--limit` bounds the flow runs this worker runs at once; the worker's health endpoint
    (`--with-healthcheck`) answers on `healthcheck_port` when given.
    """
    from workflows.deployments import deploy as apply

    apply(pool, timezone=config.timezone, only_missing=True)
    env = dict(os.environ)  # prepare_prefect_environment(..., pool_worker=True) set it up
    command = [
        sys.executable,
        "-m",
        "prefect",
        "worker",
        "start",
        "--pool",
        pool,
        "--type",
        "process",
        "--limit",
        str(limit),
    ]
    if healthcheck_port is not None:
        command.append("--with-healthcheck")
        env["PREFECT_WORKER_WEBSERVER_HOST"] = "127.0.0.1"
        env["PREFECT_WORKER_WEBSERVER_PORT"] = str(healthcheck_port)
    typer.echo(f"worker on pool {pool} (at most {limit} flow runs at once); Ctrl-C to stop")
    # exec: signals reach Prefect's worker directly and nothing of ours is left behind.
    sys.stdout.flush()
    os.execvpe(command[0], command, env)  # noqa: S606 - our interpreter, fixed arguments


__all__ = ["pool_worker", "register_distributed_commands", "require_distributed"]


def cluster(
    folder: Path = typer.Option(Path("var/cluster"), help="Logs, Prefect's home, the data folder."),
    prefect_database_url: str | None = typer.Option(
        None,
        help="The Prefect server's database, e.g. postgresql+asyncpg://postgres@127.0.0.1/prefect "
        "(default: SQLite in FOLDER).",
    ),
    workers: int = typer.Option(2, min=1, help="Pool workers to start."),
    web: int = typer.Option(2, min=1, help="Web processes to start."),
) -> None:
    """Start the distributed mode on loopback (Prefect server, pool, workers, web processes)
    against QA_DATABASE_URL, until Ctrl-C; then stop everything it started."""
    import signal
    import threading

    from qa.cli.cluster import Cluster, ClusterSpec

    config = settings()
    spec = ClusterSpec(
        folder=folder.resolve(),
        database_url=config.database_url,
        data_dir=config.data_dir,
        prefect_database_url=prefect_database_url,
        workers=workers,
        web=web,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    typer.echo("starting the Prefect server, the pool, the workers and the web processes ...")
    running = Cluster(spec).start()
    try:
        typer.echo(f"Prefect UI: {running.api_url.removesuffix('/api')}")
        for member in running.webs:
            typer.echo(f"{member.name}: {member.url}/")
        typer.echo(f"logs in {spec.folder}; Ctrl-C to stop")
        stop.wait()
    finally:
        typer.echo("stopping ...")
        running.stop()
        typer.echo("stopped")
