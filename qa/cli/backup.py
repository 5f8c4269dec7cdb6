"""`qa backup OUT` and `qa restore IN`: an office's database, keys and packs (SQLite)."""

from __future__ import annotations

from pathlib import Path

import typer

from qa.cli.context import settings
from qa.config import Settings
from qa.persistence.snapshot import sqlite_file
from qa.services.operations.backup import Places, make_backup, restore_backup


def register_backup_commands(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)


def places(config: Settings) -> Places:
    return Places(
        data_dir=config.data_dir,
        database=sqlite_file(config.database_url),
        signing_key=config.signing_key_path,
        secret_key=config.data_dir / "secret_key",
        public_keys=config.public_keys_dir,
        packs=config.packs_dir,
    )


def backup(
    out: Path = typer.Argument(..., help="A new folder for the backup (it must not exist yet)."),
) -> None:
    """Copy the live database (while the product runs), the keys and the packs into OUT."""
    config = settings()
    summary = make_backup(places(config), out.expanduser().resolve(), config.clock().now())
    typer.echo(
        f"backup written to {summary.folder}: {summary.files} files, {summary.bytes:,} bytes, "
        f"schema {summary.schema_revision}, {sum(summary.row_counts.values()):,} rows"
    )


def restore(
    backup_folder: Path = typer.Argument(..., metavar="IN", help="A folder made by `qa backup`."),
) -> None:
    """Bring a backup into an empty data folder (QA_DATA_DIR); refuses any other."""
    config = settings()
    summary = restore_backup(backup_folder.expanduser().resolve(), places(config))
    typer.echo(
        f"restored {summary.files} files into {config.data_dir} "
        f"(schema {summary.schema_revision}, {sum(summary.row_counts.values()):,} rows); "
        "check it with `qa audit verify`"
    )
