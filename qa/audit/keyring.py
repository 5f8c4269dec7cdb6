"""The office's public keys over time: the current one and every retired one.

Rotating the signing key keeps the old public key (with the period it signed in) under
`<data_dir>/public_keys/`, so packs and checkpoints signed before the rotation still verify.
Agencies keep the public keys they were given; `qa audit public-key` prints the current one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qa.audit.signing import PublicKey, SigningKey, load_or_create

LISTING = "keys.json"


@dataclass(frozen=True)
class RetiredKey:
    key: PublicKey
    valid_from: str | None
    valid_to: str


def retired_keys(folder: Path) -> list[RetiredKey]:
    listing = folder / LISTING
    if not listing.is_file():
        return []
    found = []
    for entry in json.loads(listing.read_text(encoding="utf-8")):
        key = PublicKey.read(folder / str(entry["file"]))
        found.append(RetiredKey(key, entry.get("valid_from"), str(entry["valid_to"])))
    return found


def office_public_keys(signing_key_path: Path, folder: Path) -> list[PublicKey]:
    """The current key (if this machine has it) and every retired one."""
    keys = [retired.key for retired in retired_keys(folder)]
    if signing_key_path.exists():
        keys.insert(0, load_or_create(signing_key_path, create=False).public)
    return keys


def rotate(signing_key_path: Path, folder: Path, now: datetime) -> tuple[PublicKey, PublicKey]:
    """Retire the current key (its public half kept) and put a new one in its place."""
    old = load_or_create(signing_key_path)
    folder.mkdir(parents=True, exist_ok=True)
    name = old.public.fingerprint.replace(":", "") + ".pem"
    (folder / name).write_text(old.public.pem(), encoding="utf-8")
    listing = folder / LISTING
    entries = json.loads(listing.read_text(encoding="utf-8")) if listing.is_file() else []
    started = max((str(e["valid_to"]) for e in entries), default=None)
    entries.append({"file": name, "valid_from": started, "valid_to": now.isoformat()})
    listing.write_text(json.dumps(entries, indent=2) + "\n", encoding="utf-8")
    new = SigningKey.generate()
    partial = signing_key_path.with_name(signing_key_path.name + ".new")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(new.pem())
    os.replace(partial, signing_key_path)
    return old.public, new.public
