"""`qa import catalogue` and `qa template catalogue`."""

from __future__ import annotations

import csv
from pathlib import Path

import typer

from qa.cli.context import database, operator, today
from qa.export.xlsx import write_catalogue_template
from qa.imports.reader import open_catalogue
from qa.services.catalogue import ImportReport, import_catalogue

import_app = typer.Typer(help="Import data from spreadsheets.", no_args_is_help=True)
template_app = typer.Typer(help="Write spreadsheet templates.", no_args_is_help=True)
SHOWN_PROBLEMS = 100
EXIT_REJECTED = 1


@import_app.command("catalogue")
def import_catalogue_command(
    file: Path = typer.Argument(..., help="An .xlsx or .csv catalogue, one descriptor per row."),
    partial: bool = typer.Option(
        False, help="Import the valid rows and report the others (default: all or nothing)."
    ),
    provider: str | None = typer.Option(
        None, help="Institution code for rows without a provider column."
    ),
    dry_run: bool = typer.Option(False, help="Check everything, write nothing."),
    report: Path | None = typer.Option(None, help="Also write every problem to this CSV file."),
) -> None:
    """Import a catalogue of micro-credential descriptors as drafts."""
    catalogue = open_catalogue(file)
    result = import_catalogue(
        database(),
        operator(),
        catalogue,
        partial=partial,
        default_provider=provider,
        today=today(),
        dry_run=dry_run,
    )
    _print(result, dry_run)
    if report is not None:
        _write_report(report, result)
        typer.echo(f"problems written to {report}")
    if not result.applied and not dry_run:
        raise typer.Exit(EXIT_REJECTED)
    if dry_run and result.errors and not partial:
        raise typer.Exit(EXIT_REJECTED)


@template_app.command("catalogue")
def template_catalogue(
    out: Path = typer.Argument(..., help="Where to write the .xlsx file."),
) -> None:
    """Write an import template with headings, drop-downs and notes on every column."""
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    write_catalogue_template(out)
    typer.echo(f"template written to {out}")


def _print(result: ImportReport, dry_run: bool) -> None:
    problems = sorted(result.problems, key=lambda p: (p.row, p.column))
    for problem in problems[:SHOWN_PROBLEMS]:
        where = f"row {problem.row}" if problem.row else "file"
        value = f" = {problem.value!r}" if problem.value and problem.row > 1 else ""
        typer.echo(
            f"{problem.severity.value:<7} {where}, {problem.column}{value}: {problem.reason}",
            err=problem.severity.value == "error",
        )
    if len(problems) > SHOWN_PROBLEMS:
        typer.echo(f"... and {len(problems) - SHOWN_PROBLEMS} more (use --report FILE.csv)")
    counts = (
        f"{result.rows} rows: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.rejected_rows)} rejected"
    )
    if dry_run:
        typer.echo(f"dry run, nothing written. {counts}")
    elif result.applied:
        typer.echo(f"imported {result.file_name}. {counts}")
    else:
        typer.echo(
            f"rejected {result.file_name}: nothing was written. {counts}. Fix the rows "
            "above, or use --partial to import only the valid rows."
        )


def _write_report(path: Path, result: ImportReport) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "severity", "problem"])
        for p in sorted(result.problems, key=lambda p: (p.row, p.column)):
            writer.writerow([p.row, p.column, _inert(p.value), p.severity.value, _inert(p.reason)])


def _inert(text: str) -> str:
    """Neutralise spreadsheet formulas in a report users will open in Excel."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
