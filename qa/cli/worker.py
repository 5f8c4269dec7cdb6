"""`qa worker` (the embedded routing runner) and `qa route` (one pass, no Prefect)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from qa.cli.context import database, settings, today
from qa.cli.distributed import register_distributed_commands
from qa.cli.startup import require_ready_database
from qa.config import Settings
from qa.services.automation.delivery import deliver_pending
from qa.services.automation.outbox import drain
from qa.services.automation.routing import RoutingContext


def register_worker_commands(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("route")(route)
    app.command("serve")(serve)
    register_distributed_commands(app)


def worker(
    prefect_ui: bool = typer.Option(
        False,
        help="Run a local Prefect server with its UI as a child process, to watch routing runs.",
    ),
    pool: str | None = typer.Option(
        None,
        help="Distributed mode: run Prefect's process worker on this work pool "
        "(default QA_WORK_POOL; needs QA_PREFECT_API_URL).",
    ),
    limit: int = typer.Option(
        2, min=1, help="Distributed mode: flow runs this worker runs at once."
    ),
    healthcheck_port: int | None = typer.Option(
        None, help="Distributed mode: serve the worker's /health on this loopback port."
    ),
) -> None:
    """Route submissions and run deadlines until stopped (Ctrl-C).

    Embedded (default): one process runs the flows in threads, with its own Prefect API.
    With --pool or QA_WORK_POOL: deploy the flows and run a worker of that pool instead.
    """
    config = settings()
    require_ready_database(config)
    from workflows.prefect_env import prepare_prefect_environment

    if pool or config.distributed:
        from qa.cli.distributed import pool_worker, require_distributed

        name = require_distributed(config, pool)
        prepare_prefect_environment(config, pool_worker=True)
        pool_worker(config, name, limit=limit, healthcheck_port=healthcheck_port)
        return

    prepare_prefect_environment(config)
    from workflows.api import PrefectAPI
    from workflows.runner import EmbeddedRunner

    mode = "external" if config.prefect_api_url else ("ui" if prefect_ui else "embedded")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    typer.echo(f"starting the Prefect API ({mode}) ...")
    with PrefectAPI(mode, url=config.prefect_api_url) as api:
        if api.ui_url:
            typer.echo(f"Prefect UI: {api.ui_url}")
        runner = EmbeddedRunner(config, api_url=api.url)
        runner.start()
        typer.echo(f"routing every {config.poll_seconds:g} s; Ctrl-C to stop")
        stop.wait()
        typer.echo("stopping ...")
        runner.stop()
    typer.echo(
        f"stopped after {runner.stats.flow_runs} routing runs "
        f"({runner.stats.routed_messages} messages)"
    )


def route() -> None:
    """Route everything waiting now with plain functions (no Prefect), then deliver messages."""
    config = settings()
    db = database()
    result = drain(db, RoutingContext(today=today(), settings=config.review), worker="cli")
    from workflows.notifier import LogNotifier, SmtpNotifier

    notifier = SmtpNotifier(config.smtp) if config.smtp else LogNotifier(config.notification_log)
    sent = deliver_pending(db, notifier.send, notifier.channel)
    for step in result.steps:
        typer.echo(step)
    for submission_id, error in result.failed.items():
        typer.echo(f"submission {submission_id}: {error}", err=True)
    typer.echo(
        f"{result.messages} messages, {result.submissions} submissions routed, "
        f"{sent} notifications delivered"
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    prefect_ui: bool = typer.Option(False, help="Also run the Prefect UI (child process)."),
    worker: bool = typer.Option(True, help="Run the routing worker in this process."),
) -> None:
    """Serve the web app, with the routing worker and its Prefect API, until stopped.

    In distributed mode (QA_WORK_POOL) the web app runs no worker: each action asks the
    pool's routing deployment for a run and returns at once; run as many of these
    processes, on as many machines, as the load needs.
    """
    import uvicorn

    config = settings()
    require_ready_database(config)
    from workflows.prefect_env import prepare_prefect_environment

    prepare_prefect_environment(config)
    from qa.web.app import create_app
    from workflows.api import PrefectAPI
    from workflows.runner import EmbeddedRunner

    # uvicorn re-raises SIGTERM/SIGINT after shutting down; a handler of ours turns that into
    # a normal return so the worker and the Prefect server are stopped below, never orphaned.
    signal.signal(signal.SIGTERM, lambda signum, frame: None)
    signal.signal(signal.SIGINT, lambda signum, frame: None)
    if config.distributed:
        _serve_distributed(config, host, port)
        return
    mode = "external" if config.prefect_api_url else ("ui" if prefect_ui else "embedded")
    api = PrefectAPI(mode, url=config.prefect_api_url) if worker else None
    runner = None
    try:
        if api is not None:
            typer.echo(f"starting the Prefect API ({mode}) ...")
            api.__enter__()
            if api.ui_url:
                typer.echo(f"Prefect UI: {api.ui_url}")
            runner = EmbeddedRunner(config, api_url=api.url)
            runner.start()
        app = create_app(config)
        app.state.kick = runner.kick if runner is not None else None
        typer.echo(f"open http://{host}:{port}/ (Ctrl-C to stop)")
        uvicorn.run(app, host=host, port=port, log_level="warning", workers=1)
    finally:
        if runner is not None:
            runner.stop()
        if api is not None:
            api.stop()
        typer.echo("stopped")


def _serve_distributed(config: Settings, host: str, port: int) -> None:
    import uvicorn

    from qa.cli.distributed import require_distributed
    from qa.web.app import create_app
    from workflows.trigger import DeploymentTrigger

    require_distributed(config, None)
    app = create_app(config)
    trigger = DeploymentTrigger(app.state.db, config.clock()).start()
    app.state.kick = trigger.kick
    typer.echo(f"open http://{host}:{port}/ (distributed: pool {config.work_pool}; Ctrl-C to stop)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", workers=1)
    finally:
        trigger.stop()
        typer.echo("stopped")
