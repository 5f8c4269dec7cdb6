"""`qa audit verify-pack`, `public-key` and `rotate-key`: signed audit packs."""

from __future__ import annotations

from pathlib import Path

import typer

from qa.audit.keyring import office_public_keys, retired_keys, rotate
from qa.audit.signing import PublicKey, load_or_create
from qa.cli.audit import audit_app
from qa.cli.context import settings
from qa.domain.errors import InvalidInput


@audit_app.command("verify-pack")
def verify_pack_command(
    pack: Path = typer.Argument(..., help="The audit pack (.zip) to check."),
    key: list[Path] = typer.Option(
        [], "--key", help="The QA office's public key (PEM); repeat for retired keys."
    ),
) -> None:
    """Check a pack: its signature, every file's hash, row counts, and CSV twins = sheets."""
    from qa.export.pack.manifest import verify_pack

    if not pack.is_file():
        raise InvalidInput(f"{pack}: no such file")
    current = settings()
    keys = [PublicKey.read(path) for path in key] or office_public_keys(
        current.signing_key_path, current.public_keys_dir
    )
    if not keys:
        raise InvalidInput(
            "no public key to check the signature with: give the QA office's key with --key"
        )
    problems = verify_pack(pack, keys)
    if problems:
        typer.echo(f"BROKEN: {pack} cannot be trusted", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(1)
    fingerprints = ", ".join(k.fingerprint for k in keys)
    typer.echo(
        f"ok: {pack} is signed by the QA office (checked against {fingerprints}); every file "
        "matches its manifest and every CSV file equals its workbook sheet"
    )


@audit_app.command("public-key")
def public_key_command(
    fingerprint: bool = typer.Option(False, "--fingerprint", help="Only the fingerprint."),
    out: Path | None = typer.Option(None, "--out", help="Write the PEM to this file."),
) -> None:
    """The office's public key (PEM), to hand to agencies; created on first use."""
    public = load_or_create(settings().signing_key_path).public
    if fingerprint:
        typer.echo(public.fingerprint)
        return
    if out is not None:
        try:
            out.write_text(public.pem(), encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"{out}: cannot write the key ({exc.strerror})") from exc
        typer.echo(f"wrote {out} (fingerprint {public.fingerprint})")
        return
    typer.echo(public.pem().rstrip())
    typer.echo(f"fingerprint {public.fingerprint}")
    for retired in retired_keys(settings().public_keys_dir):
        typer.echo(f"retired {retired.key.fingerprint} (signed until {retired.valid_to})")


@audit_app.command("rotate-key")
def rotate_key_command() -> None:
    """Retire the signing key (its public half is kept) and create a new one."""
    current = settings()
    if current.signing_key_file is not None:
        raise InvalidInput(
            "QA_SIGNING_KEY_FILE is set: rotate that key where it is kept, and put the old "
            f"public key in {current.public_keys_dir} (see docs/audit-pack.md)"
        )
    old, new = rotate(current.signing_key_path, current.public_keys_dir, current.clock().now())
    typer.echo(f"retired {old.fingerprint}; new packs are signed with {new.fingerprint}")
    typer.echo("give agencies the new public key: qa audit public-key --out office-key.pem")
