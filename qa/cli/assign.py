"""`qa import reviewers FILE` and `qa import assignments FILE`: checked, then all or nothing."""

from __future__ import annotations

from pathlib import Path

import typer

from qa.cli.catalogue import import_app
from qa.cli.context import database, operator, settings, today
from qa.cli.exit_codes import EXIT_USER_ERROR
from qa.imports.sheets import read_rows
from qa.services.bulk_assignments import BulkRefused, apply_bulk, check_bulk
from qa.services.reviewer_profiles import ImportRefused, import_profiles


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
