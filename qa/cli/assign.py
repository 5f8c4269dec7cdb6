"""`qa import reviewers FILE` and `qa import assignments FILE`: checked, then all or nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from qa.cli.catalogue import import_app
from qa.cli.context import database, operator, settings, today
from qa.cli.exit_codes import EXIT_USER_ERROR
from qa.imports.sheets import read_rows
from qa.services.people.reviewer_profiles import ImportRefused, import_profiles
from qa.services.review.assignment_round import apply_round, propose_round
from qa.services.review.bulk_assignments import BulkRefused, apply_bulk, check_bulk


@import_app.command("reviewers")
def import_reviewers_command(
    file: Path = typer.Argument(..., help="CSV/xlsx: username, expertise, panel_role, ..."),
) -> None:
    """Create or update reviewer profiles; one bad row and nothing is imported."""
    rows = read_rows(file, ("username",))
    numbers = [number for number, _ in rows]
    try:
        saved = import_profiles(database(), operator(), [cells for _, cells in rows])
    except ImportRefused as refused:
        for error in refused.errors:
            typer.echo(f"row {numbers[error.row - 1]}, {error.field}: {error.message}", err=True)
        typer.echo(str(refused), err=True)
        raise typer.Exit(EXIT_USER_ERROR) from refused
    typer.echo(f"{len(saved)} reviewer profile(s) saved")


@import_app.command("assignments")
def import_assignments_command(
    file: Path = typer.Argument(..., help="CSV/xlsx with columns file, reviewer, action."),
    dry_run: bool = typer.Option(False, help="Check every row, change nothing."),
) -> None:
    """Invite or cancel reviewers from a file: every error first; then all rows, or none."""
    rows = read_rows(file, ("file", "reviewer", "action"))
    db, actor, review = database(), operator(), settings().review
    lines = check_bulk(db, actor, rows, settings=review)
    problems = [line for line in lines if line.problems]
    for line in problems:
        typer.echo(f"row {line.row}: {'; '.join(line.problems)}", err=True)
    if problems:
        typer.echo(f"{len(problems)} row(s) with errors; nothing was changed", err=True)
        raise typer.Exit(EXIT_USER_ERROR)
    if dry_run:
        typer.echo(f"{len(lines)} row(s) would be applied (dry run: nothing changed)")
        return
    try:
        applied = apply_bulk(db, actor, rows, today=today(), settings=review)
    except BulkRefused as refused:  # changed between the check and the write
        for line in refused.lines:
            typer.echo(f"row {line.row}: {'; '.join(line.problems)}", err=True)
        raise typer.Exit(EXIT_USER_ERROR) from refused
    typer.echo(f"{len(applied)} row(s) applied in one transaction")


def register_assign_commands(app: typer.Typer) -> None:
    app.command("assign-round")(assign_round)


def assign_round(
    panel: int | None = typer.Option(None, help="Reviewers per file (default: the setting)."),
    fair: bool = typer.Option(False, help="Best for the worst-off file first."),
    apply: bool = typer.Option(False, help="Send the proposed invitations (all or none)."),
) -> None:
    """Propose panels for every file in peer review; with --apply, invite them."""
    db, actor, review = database(), operator(), settings().review
    if panel is not None:
        review = replace(
            review,
            reviewers_to_invite=panel,
            required_reviews=min(review.required_reviews, panel),
        )
    preview = propose_round(db, actor, today=today(), settings=review, fair=fair)
    current = None
    for p in preview.pairings:
        if p.submission_id != current:
            current = p.submission_id
            typer.echo(f"file {p.submission_id}: {p.title}")
        kept = " (already on the panel)" if p.existing else ""
        role = (p.role or "no role").replace("_", " ")
        typer.echo(f"  {p.reviewer} [{role}]{kept}: {p.reason}")
    for file_id, title, reasons in preview.shortfalls:
        typer.echo(f"short: file {file_id} ({title}): {'; '.join(reasons)}")
    loads = [load for _, load, _ in preview.loads]
    typer.echo(
        f"{len(preview.new_pairings)} new invitation(s); reviewer loads "
        f"{min(loads, default=0)}-{max(loads, default=0)}"
    )
    if apply and preview.new_pairings:
        pairs = [(p.submission_id, p.reviewer_id) for p in preview.new_pairings]
        invited = apply_round(db, actor, pairs, today=today(), settings=review)
        typer.echo(f"{len(invited)} invitation(s) sent in one transaction")
