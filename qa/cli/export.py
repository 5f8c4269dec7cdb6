"""`qa export pack`: build an audit pack for a period now, with progress on the terminal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from sqlmodel import Session, select

from qa.audit.chain import chain_head, seal
from qa.audit.signing import load_or_create
from qa.cli.context import database, operator, settings
from qa.domain.errors import InvalidInput
from qa.export.pack import DeqarConfig, PackFilter, build_pack
from qa.export.pack_jobs import record_built
from qa.persistence.models import AuditEntry

export_app = typer.Typer(help="Export audit packs for QA agencies.", no_args_is_help=True)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option}: write the date as YYYY-MM-DD, not {value!r}") from None


def _hash_at(session: Session, seq: int, newest: int) -> str:
    found = session.exec(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq)).first()
    if seq < 1 or found is None:
        raise InvalidInput(f"--as-of {seq}: the audit chain has positions 1 to {newest}")
    return found


@export_app.command("pack")
def export_pack(
    date_from: str = typer.Option(..., "--from", help="First decision day (YYYY-MM-DD)."),
    date_to: str = typer.Option(..., "--to", help="Last decision day (YYYY-MM-DD)."),
    out: Path = typer.Option(..., "--out", help="Where to write the pack (.zip)."),
    provider: str | None = typer.Option(None, help="Only this provider (institution code)."),
    decision: str | None = typer.Option(None, help="Only this decision."),
    reveal_reviewers: bool = typer.Option(
        False, help="Name reviewers instead of per-pack pseudonyms (for entitled agencies)."
    ),
    as_of: int | None = typer.Option(
        None,
        "--as-of",
        help="Rebuild as of this audit chain position (the pack's audit_chain_seq): the "
        "same bytes as the pack built then, however much the trail has grown since.",
    ),
) -> None:
    """Build the audit pack of the decisions signed in a period (deterministic zip)."""
    wanted = PackFilter(
        _day(date_from, "--from"), _day(date_to, "--to"), provider_code=provider, decision=decision
    )
    if out.suffix.lower() != ".zip":
        out = out.with_suffix(".zip")
    db = database()
    current = settings()
    deqar = DeqarConfig.from_settings(current.deqar)
    for problem in deqar.missing():
        typer.echo(f"warning: {problem}", err=True)
    key = load_or_create(current.signing_key_path)
    sealed = seal(db)
    with db.session() as session:
        position, head = chain_head(session)
        if as_of is not None:
            position, head = as_of, _hash_at(session, as_of, position)
    with typer.progressbar(length=1, label="building", file=None) as bar:
        last = [0]

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - last[0])
            last[0] = done

        result = build_pack(
            db,
            wanted,
            out,
            deqar=deqar,
            reveal_reviewers=reveal_reviewers,
            chain_head=head,
            progress=progress,
            signing_key=key,
            as_of=position,
        )
    record_built(db, operator(), wanted, result, reveal_reviewers=reveal_reviewers, chain_head=head)
    typer.echo(f"wrote {result.path} ({result.path.stat().st_size:,} bytes)")
    typer.echo(f"sha256 {result.sha256}")
    typer.echo(f"signed by the office key {key.public.fingerprint}")
    typer.echo(f"audit chain head {head} (position {position}; {sealed} entries sealed now)")
    for table, rows in sorted(result.row_counts.items()):
        typer.echo(f"  {table}: {rows} rows")
