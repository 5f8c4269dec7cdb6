"""Signed packs: a recomputed manifest, a twin that differs, another key, a damaged file."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from qa.audit.keyring import office_public_keys, rotate
from qa.audit.signing import SigningKey
from qa.export.pack.contract import MANIFEST, SIGNATURE
from qa.export.pack.manifest import dumps, verify_pack
from tests.clock import now
from tests.export.conftest import OFFICE_KEY, Decided


def _rewrite(
    source: Path, target: Path, changes: dict[str, bytes], drop: frozenset[str] = frozenset()
) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            if item.filename in drop:
                continue
            new.writestr(item, changes.get(item.filename, old.read(item.filename)))


def _forge(
    source: Path, target: Path, member: str, edit: bytes, *, sign_with: SigningKey | None
) -> None:
    """Change one member, recompute the manifest's hash for it, re-sign if a key is given."""
    with zipfile.ZipFile(source) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        content = archive.read(member)
    old, new = edit.split(b"|", 1)
    changed = content.replace(old, new)
    assert changed != content
    for entry in manifest["files"]:
        if entry["path"] == member:
            entry["sha256"] = hashlib.sha256(changed).hexdigest()
            entry["bytes"] = len(changed)
    text = dumps(manifest).encode()
    changes = {member: changed, MANIFEST: text}
    if sign_with is not None:
        changes[SIGNATURE] = (sign_with.sign(text) + "\n").encode()
    _rewrite(source, target, changes)


def test_a_genuine_pack_verifies_with_the_office_key(decided: Decided) -> None:
    assert verify_pack(decided.pack.path, [OFFICE_KEY.public]) == []


def test_a_decision_changed_and_the_manifest_recomputed_is_caught(
    decided: Decided, tmp_path: Path
) -> None:
    forged = tmp_path / "forged.zip"
    _forge(decided.pack.path, forged, "csv/Decisions.csv", b",approved,|,rejected,", sign_with=None)
    # the hashes were recomputed, so they hold; the twin check and the signature do not
    assert not any("SHA-256" in p for p in verify_pack(forged))
    problems = verify_pack(forged, [OFFICE_KEY.public])
    assert any("signature does not match" in p for p in problems), problems


def test_a_twin_that_differs_from_its_sheet_is_caught_even_when_re_signed(
    decided: Decided, tmp_path: Path
) -> None:
    forged = tmp_path / "twin.zip"
    _forge(
        decided.pack.path,
        forged,
        "csv/Decisions.csv",
        b",approved,|,rejected,",
        sign_with=OFFICE_KEY,
    )
    problems = verify_pack(forged, [OFFICE_KEY.public])
    assert any(
        "the CSV says 'rejected'" in p and "the workbook says 'approved'" in p for p in problems
    ), problems


def test_another_keys_signature_or_none_at_all_is_refused(decided: Decided, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.zip"
    _forge(
        decided.pack.path,
        stranger,
        "csv/Decisions.csv",
        b",approved,|,rejected,",
        sign_with=SigningKey.generate(),
    )
    assert any("signature does not match" in p for p in verify_pack(stranger, [OFFICE_KEY.public]))
    unsigned = tmp_path / "unsigned.zip"
    _rewrite(decided.pack.path, unsigned, {}, drop=frozenset({SIGNATURE}))
    assert any("not signed" in p for p in verify_pack(unsigned, [OFFICE_KEY.public]))


@pytest.mark.parametrize(
    "damage",
    ["truncated", "empty", "random", "no manifest", "manifest not json"],
)
def test_a_damaged_pack_is_a_problem_not_a_crash(
    decided: Decided, tmp_path: Path, damage: str
) -> None:
    data = decided.pack.path.read_bytes()
    target = tmp_path / "damaged.zip"
    if damage == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        target.write_bytes(b"")
    elif damage == "random":
        target.write_bytes(hashlib.sha512(b"noise").digest() * 64)
    elif damage == "no manifest":
        _rewrite(decided.pack.path, target, {}, drop=frozenset({MANIFEST}))
    else:
        _rewrite(decided.pack.path, target, {MANIFEST: b"{not json"})
    problems = verify_pack(target, [OFFICE_KEY.public])
    assert problems and all(isinstance(p, str) for p in problems)


def test_after_a_rotation_old_packs_still_verify_and_new_ones_use_the_new_key(
    decided: Decided, tmp_path: Path
) -> None:
    key_path, folder = tmp_path / "signing_key.pem", tmp_path / "public_keys"
    key_path.write_bytes(OFFICE_KEY.pem())
    old, new = rotate(key_path, folder, now())
    assert old.fingerprint == OFFICE_KEY.public.fingerprint != new.fingerprint
    ring = office_public_keys(key_path, folder)
    assert [k.fingerprint for k in ring] == [new.fingerprint, old.fingerprint]
    assert verify_pack(decided.pack.path, ring) == []  # signed before the rotation
    assert verify_pack(decided.pack.path, [new]) != []
    fresh = decided.build("after-rotation.zip", signing_key=SigningKey.read(key_path))
    assert verify_pack(fresh.path, ring) == []
    with zipfile.ZipFile(io.BytesIO(fresh.path.read_bytes())) as archive:
        assert json.loads(archive.read(MANIFEST))["signature"]["key_fingerprint"] == new.fingerprint


@pytest.mark.parametrize(
    "change", [{"signature": "x"}, {"tables": [1]}, {"row_counts": []}, {"files": "all"}]
)
def test_a_manifest_of_the_wrong_shape_is_a_problem_not_a_crash(
    decided: Decided, tmp_path: Path, change: dict[str, object]
) -> None:
    with zipfile.ZipFile(decided.pack.path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
    target = tmp_path / "odd.zip"
    _rewrite(decided.pack.path, target, {MANIFEST: dumps(manifest | change).encode()})
    problems = verify_pack(target, [OFFICE_KEY.public])
    assert problems and all(isinstance(p, str) for p in problems)
