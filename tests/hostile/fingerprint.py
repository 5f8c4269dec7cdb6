"""A SQLite database's rows as one hash: "nothing was written" is "the hash did not move"."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection
from contextlib import closing
from pathlib import Path


def fingerprint(
    path: Path, *, skip_tables: Collection[str] = (), skip_audit_of: Collection[str] = ()
) -> str:
    """Every row of every table but `skip_tables`, and but the audit entries whose entity
    type is in `skip_audit_of` (records of an attempt that are kept by design)."""
    digest = hashlib.sha256()
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        tables = db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        for (table,) in tables:
            if table in skip_tables:
                continue
            query, values = f'SELECT * FROM "{table}"', tuple[str, ...]()
            if table == "audit_entry" and skip_audit_of:
                marks = ", ".join("?" for _ in skip_audit_of)
                query += f" WHERE entity_type NOT IN ({marks})"
                values = tuple(skip_audit_of)
            for row in db.execute(query + " ORDER BY rowid", values):
                digest.update(repr((table, row)).encode())
    return digest.hexdigest()
