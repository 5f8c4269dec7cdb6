"""`qa audit`: seal and verify the tamper-evident audit trail, check an audit pack."""

from __future__ import annotations

from pathlib import Path

import typer

from qa.audit.chain import seal, verify
from qa.cli.context import database
from qa.domain.errors import InvalidInput

audit_app = typer.Typer(help="Verify the audit trail and audit packs.", no_args_is_help=True)


@audit_app.command("seal")
def seal_command() -> None:
    """Chain every audit entry not yet sealed (the worker does this continuously)."""
    typer.echo(f"sealed {seal(database())} audit entries")


@audit_app.command("verify")
def verify_command() -> None:
    """Recompute the whole audit chain; exit 1 at the first link that does not hold."""
    report = verify(database())
    if not report.ok:
        typer.echo(f"BROKEN: {report.problem}", err=True)
        typer.echo(
            f"the first {report.checked} entries are intact (up to position {report.head_seq})",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        f"ok: {report.checked} entries chained, head {report.head_hash} "
        f"(position {report.head_seq}); {report.unsealed} not sealed yet"
    )


@audit_app.command("verify-pack")
def verify_pack_command(
    pack: Path = typer.Argument(..., help="The audit pack (.zip) to check."),
) -> None:
    """Check a pack's files against its manifest (hashes, members, row counts)."""
    from qa.export.pack.manifest import verify_pack

    if not pack.is_file():
        raise InvalidInput(f"{pack}: no such file")
    problems = verify_pack(pack)
    if problems:
        typer.echo(f"BROKEN: {pack} does not match its manifest", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: every file in {pack} matches its manifest")
