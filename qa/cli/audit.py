"""`qa audit`: seal and verify the tamper-evident audit trail, check an audit pack."""

from __future__ import annotations

import zipfile
from pathlib import Path

import typer

from qa.audit.chain import ChainBroken, seal
from qa.audit.checkpoints import (
    Checkpoint,
    list_checkpoints,
    parse_head,
    parse_pack_document,
    utc_text,
    write_checkpoint,
)
from qa.audit.keyring import office_public_keys
from qa.audit.signing import PublicKey, load_or_create
from qa.audit.verification import AuditVerdict, verify_everything
from qa.cli.context import database, settings
from qa.domain.errors import InvalidInput

audit_app = typer.Typer(help="Verify the audit trail and audit packs.", no_args_is_help=True)


@audit_app.command("seal")
def seal_command() -> None:
    """Chain every audit entry not yet sealed (the worker does this continuously).

    The whole sealed chain is checked first: a broken chain is refused, never extended.
    """
    try:
        sealed = seal(database(), full=True)
    except ChainBroken as exc:
        typer.echo(f"REFUSED: {exc}", err=True)
        typer.echo("run `qa audit verify` for the whole report", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"sealed {sealed} audit entries")


@audit_app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign the current chain head with the office key and store it as a checkpoint."""
    db = database()
    key = load_or_create(settings().signing_key_path)
    try:
        seal(db)
        row = write_checkpoint(db, key, reason="cli")
    except ChainBroken as exc:
        typer.echo(f"REFUSED: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"checkpoint {row.id}: position {row.seq}, hash {row.entry_hash}, "
        f"{utc_text(row.at)}, key {row.key_fingerprint}"
    )


@audit_app.command("checkpoints")
def checkpoints_command(
    key: list[Path] = typer.Option([], "--key", help="Another public key (PEM) to check with."),
) -> None:
    """List the signed checkpoints: position, hash, time, key, and whether the signature holds."""
    keys = _keys(key)
    by_fingerprint = {k.fingerprint: k for k in keys}
    rows = list_checkpoints(database())
    for row in rows:
        known = by_fingerprint.get(row.key_fingerprint)
        checkpoint = Checkpoint.of(row)
        if known is None:
            state = "unknown key"
        else:
            state = "ok" if known.verify(checkpoint.signed_bytes(), row.signature) else "INVALID"
        typer.echo(
            f"{row.id}\t{row.seq}\t{row.entry_hash}\t{checkpoint.at}\t"
            f"{row.key_fingerprint}\tsignature {state}\t{row.reason}"
        )
    if not rows:
        typer.echo("no checkpoints yet (`qa audit checkpoint` makes one)")


@audit_app.command("verify")
def verify_command(
    head: list[str] = typer.Option(
        [], "--head", help="A head you hold, SEQ:HASH: the live chain must still extend it."
    ),
    against: list[Path] = typer.Option(
        [], "--against", help="An audit pack: the live chain must extend its checkpoints."
    ),
    key: list[Path] = typer.Option([], "--key", help="Another public key (PEM) to check with."),
) -> None:
    """Recompute the chain, check every checkpoint and head, reconcile the state with the
    trail; exit 1 on any problem."""
    held = [parse_head(text) for text in head]
    for pack in against:
        held += _pack_checkpoints(pack)
    verdict = verify_everything(database(), _keys(key), held)
    _report(verdict)
    if not verdict.ok:
        raise typer.Exit(1)


def _report(verdict: AuditVerdict) -> None:
    chain, reconciliation = verdict.chain, verdict.reconciliation
    if chain.ok:
        typer.echo(
            f"ok: {chain.checked} entries chained, head {chain.head_hash} "
            f"(position {chain.head_seq}); {chain.unsealed} not sealed yet"
        )
    else:
        typer.echo(f"BROKEN: {chain.problem}", err=True)
        typer.echo(
            f"the first {chain.checked} entries are intact (up to position {chain.head_seq})",
            err=True,
        )
    if verdict.checkpoint_problems:
        for problem in verdict.checkpoint_problems:
            typer.echo(f"BROKEN: {problem}", err=True)
    else:
        typer.echo(f"ok: the chain extends all {verdict.checkpoints} checkpoints and heads")
    if reconciliation.ok:
        typer.echo(
            f"ok: {reconciliation.rows} rows equal the replay of "
            f"{reconciliation.entries} audit entries"
        )
    else:
        typer.echo(
            f"BROKEN: {len(reconciliation.differences)} differences between the stored state "
            "and the audit trail (table id field: stored, audited):",
            err=True,
        )
        for difference in reconciliation.differences:
            typer.echo(f"  - {difference}", err=True)


def _keys(extra: list[Path]) -> list[PublicKey]:
    """The public keys given with --key, the office key (when it exists here) and retired ones."""
    current = settings()
    return [PublicKey.read(path) for path in extra] + office_public_keys(
        current.signing_key_path, current.public_keys_dir
    )


def _pack_checkpoints(pack: Path) -> list[Checkpoint]:
    from qa.export.pack.contract import CHECKPOINTS

    if not pack.is_file():
        raise InvalidInput(f"{pack}: no such file")
    try:
        with zipfile.ZipFile(pack) as archive:
            text = archive.read(CHECKPOINTS)
    except KeyError:
        raise InvalidInput(f"{pack}: the pack has no {CHECKPOINTS}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{pack}: not a readable zip file ({exc})") from exc
    return parse_pack_document(text, pack.name)
