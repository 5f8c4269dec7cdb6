"""`qa init`, `qa demo`, `qa summary`."""

from __future__ import annotations

import typer

from qa.cli.context import database, operator, settings, today
from qa.services.operations.demo import DEMO_PASSWORD, demo_data, load_demo
from qa.services.operations.setup import initialise
from qa.services.pages.summary import summarise


def register_setup_commands(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("demo")(demo)
    app.command("summary")(summary)


def init(
    admin_username: str = typer.Option("admin", help="Username of the first administrator."),
    admin_email: str = typer.Option("admin@example.org", help="Their e-mail address."),
) -> None:
    """Create or upgrade the database, load the bundled rubric, create the first admin."""
    config = settings()
    db = database(create=True)
    result = initialise(
        db, operator(), config.rubrics_dir, admin_username=admin_username, admin_email=admin_email
    )
    typer.echo(f"database ready: {db.url.render_as_string(hide_password=True)}")
    for stored in result.rubrics:
        state = "stored" if stored.created else "already stored"
        typer.echo(
            f"rubric {stored.row.rubric_key} {stored.row.version} "
            f"({stored.row.criteria_count} criteria, {stored.row.content_hash[:12]}): "
            f"{state}"
        )
    if result.admin is not None:
        typer.echo(
            f"administrator {result.admin.user.username} created; password (shown once): "
            f"{result.admin.generated_password}"
        )
    else:
        typer.echo("an administrator already exists")


def demo() -> None:
    """Initialise if needed and load the demo data set (fictional providers, 20 credentials)."""
    init(admin_username="admin", admin_email="admin@example.org")
    result = load_demo(database(), operator(), today=today())
    if result.created:
        typer.echo(
            f"demo data loaded: {result.institutions} institutions, {result.users} "
            f"people, {result.submissions} micro-credentials"
        )
    else:
        typer.echo("demo data already loaded")
    typer.echo(f"demo accounts (password for all: {DEMO_PASSWORD}):")
    for person in demo_data()["users"]:
        typer.echo(
            f"  {person['username']:<22} {', '.join(person['roles']):<10} {person['display_name']}"
        )


def summary() -> None:
    """Print what the database holds."""
    data = summarise(database())
    typer.echo("Institutions:   " + _pairs(data.institutions))
    typer.echo("People by role: " + _pairs(data.users_by_role))
    typer.echo("Submissions by stage: " + _pairs(data.submissions_by_stage))
    typer.echo("Submissions by EQF level: " + _pairs(data.submissions_by_eqf))
    for key, version, digest, criteria in data.rubrics:
        typer.echo(f"Rubric: {key} {version} ({criteria} criteria, {digest})")
    typer.echo(
        f"Audit entries: {data.audit_entries}; outbox messages waiting for routing: "
        f"{data.pending_outbox}"
    )


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{key} {value}" for key, value in counts.items()) or "none"
