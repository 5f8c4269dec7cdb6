"""Backups of an office on SQLite: the database, the keys and the packs, with a manifest.

`make_backup` copies the live database with SQLite's online backup API (the web app and the
worker keep writing; the copy is one commit's state), the signing key, the session key,
the retired public keys and the built packs into a new folder, and writes `manifest.json`
with the SHA-256 and size of every file, the schema revision and the row counts of the
snapshot itself. The folder appears only when complete (built under a temporary name).

`restore_backup` checks every file against the manifest first, then brings the backup
into an empty data folder only (an office is never overwritten), again under a temporary
name renamed at the end. PostgreSQL is backed up with pg_dump (docs/operations.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from qa.domain.errors import Conflict, InvalidInput
from qa.persistence.snapshot import copy_live, row_counts

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "database.sqlite3"
SIGNING_KEY = "keys/signing_key.pem"
SECRET_KEY = "keys/secret_key"  # noqa: S105 - a file name, not a secret
PUBLIC_KEYS = "keys/public_keys"
PACKS = "packs"
POSTGRES = (
    "the database is not SQLite: back PostgreSQL up with pg_dump -Fc and restore it with "
    "pg_restore (docs/operations.md)"
)


@dataclass(frozen=True)
class Places:
    """Where an office keeps its things (built from the settings by the caller)."""

    data_dir: Path
    database: Path | None  # the SQLite file; None when the database is not SQLite
    signing_key: Path
    secret_key: Path
    public_keys: Path
    packs: Path


@dataclass(frozen=True)
class BackupSummary:
    folder: Path
    files: int
    bytes: int
    row_counts: dict[str, int]
    schema_revision: str | None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def make_backup(places: Places, out: Path, made_at: datetime) -> BackupSummary:
    """Back the office up into the new (or empty) folder `out`."""
    if places.database is None:
        raise InvalidInput(POSTGRES)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise Conflict(f"{out} already exists and is not an empty folder: choose a new one")
    staging = out.with_name(f".{out.name}.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        copy_live(places.database, staging / DATABASE)
        _copy(places.signing_key, staging / SIGNING_KEY, private=True)
        _copy(places.secret_key, staging / SECRET_KEY, private=True)
        _copy_tree(places.public_keys, staging / PUBLIC_KEYS)
        _copy_tree(places.packs, staging / PACKS)
        counts = row_counts(staging / DATABASE)
        files: dict[str, dict[str, Any]] = {
            _relative(path, staging): {"sha256": sha256_file(path), "bytes": path.stat().st_size}
            for path in sorted(staging.rglob("*"))
            if path.is_file()
        }
        revision = _schema_revision(staging / DATABASE)
        manifest = {
            "backup_format": FORMAT,
            "made_at": made_at.isoformat(),
            "database": {"file": DATABASE, "schema_revision": revision, "row_counts": counts},
            "files": files,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            out.rmdir()
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    total = sum(int(entry["bytes"]) for entry in files.values())
    return BackupSummary(out, len(files), total, counts, revision)


def restore_backup(backup: Path, places: Places) -> BackupSummary:
    """Restore `backup` into the empty data folder of `places`; nothing written on refusal."""
    if places.database is None:
        raise InvalidInput(POSTGRES)
    manifest = read_manifest(backup)
    files: dict[str, dict[str, Any]] = manifest["files"]
    _check_files(backup, files)
    target = places.data_dir
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise Conflict(
            f"the data folder {target} is not empty: restore only into an empty (or new) "
            "folder, e.g. set QA_DATA_DIR to a new folder"
        )
    outside = {
        DATABASE: places.database,
        SIGNING_KEY: places.signing_key,
    }
    for name, place in outside.items():
        if name in files and not place.is_relative_to(target) and place.exists():
            raise Conflict(f"{place} already exists: restore only where nothing is")
    staging = target.with_name(f".{target.name}.restoring-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    placed: list[Path] = []
    try:
        destinations = {
            DATABASE: places.database,
            SIGNING_KEY: places.signing_key,
            SECRET_KEY: places.secret_key,
        }
        for name in files:
            final = destinations.get(name) or _under(name, places)
            inside = final.is_relative_to(target)
            path = staging / final.relative_to(target) if inside else final
            _copy(backup / name, path, private=name.startswith("keys/"))
            if not inside:
                placed.append(path)
        database = places.database
        if database.is_relative_to(target):
            database = staging / database.relative_to(target)
        counts = row_counts(database)
        if counts != manifest["database"]["row_counts"]:
            raise InvalidInput("the restored database does not hold the rows the manifest lists")
        if target.exists():
            target.rmdir()
        staging.rename(target)
        placed.clear()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for path in placed:  # a refusal half-way leaves nothing behind outside the folder
            path.unlink(missing_ok=True)
    return BackupSummary(
        backup,
        len(files),
        sum(int(entry["bytes"]) for entry in files.values()),
        counts,
        manifest["database"]["schema_revision"],
    )


def read_manifest(backup: Path) -> dict[str, Any]:
    """The manifest of a backup folder, its shape checked; InvalidInput otherwise."""
    path = backup / MANIFEST
    if not path.is_file():
        raise InvalidInput(f"{backup} is not a backup folder (it has no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeError) as exc:
        raise InvalidInput(f"{path} is not valid JSON ({exc})") from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("backup_format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
        or not isinstance(manifest.get("database"), dict)
        or not isinstance(manifest["database"].get("row_counts"), dict)
        or DATABASE not in manifest["files"]
    ):
        raise InvalidInput(f"{path} is not a backup manifest of format {FORMAT}")
    for name, entry in manifest["files"].items():
        parts = PurePosixPath(name).parts
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("sha256"), str)
            or PurePosixPath(name).is_absolute()
            or ".." in parts
            or not (name in (DATABASE, SIGNING_KEY, SECRET_KEY) or parts[0] in ("keys", PACKS))
        ):
            raise InvalidInput(f"{path}: the entry {name[:200]!r} is not a file of a backup")
    return manifest


def _check_files(backup: Path, files: dict[str, dict[str, Any]]) -> None:
    problems = []
    for name, entry in files.items():
        path = backup / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_file(path) != entry["sha256"]:
            problems.append(f"{name}: its SHA-256 differs from the manifest's")
    if problems:
        raise InvalidInput(f"the backup {backup} is damaged; nothing was restored", tuple(problems))


def _under(name: str, places: Places) -> Path:
    if name.startswith(PUBLIC_KEYS + "/"):
        return places.public_keys / name[len(PUBLIC_KEYS) + 1 :]
    return places.packs / name[len(PACKS) + 1 :]


def _copy(source: Path, target: Path, *, private: bool = False) -> None:
    if not source.is_file():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    if private:
        target.chmod(0o600)


def _copy_tree(source: Path, target: Path) -> None:
    """Finished files only: a pack still being written (`.name.part`) is not a pack."""
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            _copy(path, target / path.relative_to(source))


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _schema_revision(path: Path) -> str | None:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        try:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
    return str(row[0]) if row else None
