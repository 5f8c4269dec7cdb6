"""`qa import catalogue` and `qa template catalogue`."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

import typer

from qa.cli.context import database, operator, today
from qa.cli.exit_codes import EXIT_PARTIAL, EXIT_REJECTED
from qa.domain.errors import InvalidInput
from qa.export.xlsx import write_catalogue_template
from qa.imports.reader import open_catalogue
from qa.services.submissions.catalogue import ImportReport, RowProblem, import_catalogue

import_app = typer.Typer(help="Import data from spreadsheets.", no_args_is_help=True)
template_app = typer.Typer(help="Write spreadsheet templates.", no_args_is_help=True)
SHOWN_PROBLEMS = 100
REPORT_COLUMNS = ["row", "external_id", "column", "value", "severity", "problem"]


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
    """Import a catalogue of micro-credential descriptors as drafts.

    Exit code 0: imported; 1: rejected, nothing written; 4: imported with --partial while
    some rows were rejected. A dry run exits as the real import would.
    """
    with open_catalogue(file) as catalogue:
        report_file = _open_report(report, file) if report is not None else None
        try:
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
            if report_file is not None:
                _write_report(report_file, result)
                typer.echo(f"problems written to {report}")
        finally:
            if report_file is not None:
                report_file.close()
    if not result.acceptable:
        raise typer.Exit(EXIT_REJECTED)
    if result.rejected_rows:
        raise typer.Exit(EXIT_PARTIAL)


@template_app.command("catalogue")
def template_catalogue(
    out: Path = typer.Argument(..., help="Where to write the .xlsx file."),
    overwrite: bool = typer.Option(False, help="Replace the file if it exists."),
) -> None:
    """Write an import template with headings, drop-downs and notes on every column."""
    if not out.name or out.is_dir():
        raise InvalidInput(f"{out} is a folder: give a file name, e.g. catalogue.xlsx")
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} exists: give another file name, or --overwrite to replace it")
    try:
        write_catalogue_template(out)
    except OSError as exc:
        raise InvalidInput(f"{out} cannot be written ({exc.strerror or exc})") from exc
    typer.echo(f"template written to {out}")


def _print(result: ImportReport, dry_run: bool) -> None:
    """One `error:` line first when rows were (or would be) rejected, then each problem."""
    headline = _headline(result)
    if headline:
        typer.echo(f"error: {headline}", err=True)
    problems = sorted(result.problems, key=lambda p: (p.row, p.column))
    for problem in problems[:SHOWN_PROBLEMS]:
        typer.echo(
            f"  {problem.severity.value:<7} {_where(problem)}: {problem.reason}",
            err=problem.severity.value == "error",
        )
    if len(problems) > SHOWN_PROBLEMS:
        typer.echo(f"  ... and {len(problems) - SHOWN_PROBLEMS} more (use --report FILE.csv)")
    counts = (
        f"{result.rows} rows: {result.created} new, {result.updated} updated, "
        f"{result.unchanged} unchanged, {len(result.rejected_rows)} rejected"
    )
    if dry_run:
        typer.echo(f"dry run, nothing written. {counts}")
    elif result.applied:
        typer.echo(f"imported {result.file_name}. {counts}")
    else:
        typer.echo(f"{result.rows} rows, {len(result.rejected_rows)} with errors")


def _headline(result: ImportReport) -> str | None:
    name, dry = result.file_name, result.dry_run
    rejected = f"dry run: {name} would be rejected" if dry else f"rejected {name}"
    if any(p.row == 1 for p in result.errors):
        return (
            f"{rejected}: nothing was written. Its columns are wrong (even --partial "
            "cannot import it); fix the headings listed below."
        )
    if result.rows == 0:
        return f"{rejected}: nothing was written. It has no rows to import."
    if not result.acceptable:
        return (
            f"{rejected}: nothing was written. Fix the rows listed below, "
            "or use --partial to import only the valid rows."
        )
    if result.rejected_rows:
        were, others = ("would be", "would be imported") if dry else ("were", "were imported")
        return (
            f"{len(result.rejected_rows)} of {result.rows} rows of {name} {were} rejected "
            f"(the others {others}). Fix the rows listed below and import the file again: "
            "rows already imported stay as they are."
        )
    return None


def _where(problem: RowProblem) -> str:
    """`row 4 (MC-000003), eqf_level = 'Level 6'`: the place a user looks for in the sheet."""
    if problem.row == 0:
        return "file"
    if problem.row == 1:
        return f"heading row, {problem.column}"
    code = f" ({problem.external_id})" if problem.external_id else ""
    value = f" = {problem.value!r}" if problem.value else ""
    return f"row {problem.row}{code}, {problem.column}{value}"


def _open_report(path: Path, catalogue: Path) -> TextIO:
    """Open the report file before importing, so a bad path stops before anything is written."""
    if path.resolve() == catalogue.resolve():
        raise InvalidInput(f"--report {path} is the catalogue itself: give another file name")
    if path.is_dir():
        raise InvalidInput(f"--report {path} is a folder: give a file name, e.g. problems.csv")
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise InvalidInput(f"--report {path} cannot be written ({exc.strerror or exc})") from exc


def _write_report(handle: TextIO, result: ImportReport) -> None:
    writer = csv.writer(handle)
    writer.writerow(REPORT_COLUMNS)
    for p in sorted(result.problems, key=lambda p: (p.row, p.column)):
        writer.writerow(
            [
                p.row,
                _inert(p.external_id),
                p.column,
                _inert(p.value),
                p.severity.value,
                _inert(p.reason),
            ]
        )


def _inert(text: str) -> str:
    """Neutralise spreadsheet formulas in a report users will open in Excel."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
