"""`qa worker` (the embedded routing runner) and `qa route` (one pass, no Prefect)."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from qa.cli.context import database, settings, today
from qa.services.delivery import deliver_pending
from qa.services.outbox import drain
from qa.services.routing import RoutingContext


def register_worker_commands(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.command("route")(route)


def worker(
    prefect_ui: bool = typer.Option(
        False,
        help="Run a local Prefect server with its UI as a child process, to watch routing runs.",
    ),
) -> None:
    """Route submissions and run deadlines until stopped (Ctrl-C)."""
    config = settings()
    from workflows.prefect_env import prepare_prefect_environment

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
