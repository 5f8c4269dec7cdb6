"""manifest.json (what is in the pack and the SHA-256 of every file) and `verify_pack`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET  # the pack's own workbook, parsed to count rows
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from zipfile import BadZipFile, ZipFile

from qa.audit.signing import PublicKey, SigningKey
from qa.export.pack.contract import MANIFEST, PACK_FORMAT_VERSION, SIGNATURE, WORKBOOK
from qa.export.pack.twins import twin_problems
from qa.export.pack.zipfiles import FixedZip

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHUNK = 1 << 20


def write_zip(
    out: Path,
    members: Sequence[tuple[str, Path]],
    stamp: tuple[int, int, int, int, int, int],
    manifest: dict[str, Any],
    signing_key: SigningKey | None = None,
) -> dict[str, Any]:
    """Zip the members in the given order, then the manifest with their hashes; return it.

    With `signing_key` the manifest names the key and `manifest.sig` holds the signature
    over its exact bytes (Ed25519 is deterministic: the same pack gives the same file).
    """
    files: list[dict[str, Any]] = []
    with FixedZip(out, stamp) as archive:
        for name, source in members:
            digest = hashlib.sha256()
            size = 0
            stored = name == WORKBOOK  # already compressed; stored keeps it seekable in the zip
            big = source.stat().st_size >= (1 << 31)
            with (
                source.open("rb") as reader,
                archive.open(archive.member(name, stored=stored), "w", force_zip64=big) as writer,
            ):
                while chunk := reader.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    writer.write(chunk)
            files.append({"path": name, "sha256": digest.hexdigest(), "bytes": size})
        complete = manifest | {"files": files}
        if signing_key is not None:
            complete["signature"] = {
                "algorithm": "Ed25519",
                "file": SIGNATURE,
                "key_fingerprint": signing_key.public.fingerprint,
            }
        text = dumps(complete)
        archive.writestr(MANIFEST, text)
        if signing_key is not None:
            archive.writestr(SIGNATURE, signing_key.sign(text.encode("utf-8")) + "\n")
    return complete


def dumps(manifest: dict[str, Any]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_pack(path: Path | str, keys: Sequence[PublicKey] | None = None) -> list[str]:
    """Every problem found in a pack; [] if sound.

    Hashes, missing or extra files, row counts and that every CSV twin equals its workbook
    sheet cell for cell; with `keys` (the office's public keys, current and retired) also the
    signature over manifest.json, so a pack whose manifest was recomputed fails.
    """
    try:
        archive = ZipFile(path)
    except (BadZipFile, OSError, ValueError) as exc:
        return [f"{path}: not a readable zip file ({exc})"]
    try:
        with archive:
            return _problems(archive, keys)
    except (BadZipFile, OSError, EOFError, ValueError, KeyError, zlib.error) as exc:
        return [f"{path}: the zip file is damaged ({type(exc).__name__}: {exc})"]
    except (TypeError, AttributeError) as exc:  # JSON of the wrong shape in manifest.json
        return [f"{path}: {MANIFEST} is not a pack manifest ({type(exc).__name__}: {exc})"]


def _problems(archive: ZipFile, keys: Sequence[PublicKey] | None) -> list[str]:
    names = archive.namelist()
    if MANIFEST not in names:
        return [f"{MANIFEST} is missing"]
    raw = archive.read(MANIFEST)
    try:
        manifest = json.loads(raw)
        listed = {entry["path"]: entry for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST} cannot be read ({exc})"]
    problems = [] if keys is None else signature_problems(archive, raw, manifest, keys)
    problems += _version_problems(manifest)
    problems += _file_problems(archive, names, listed)
    problems += _row_problems(archive, set(names), manifest)
    if not problems:
        problems += twin_problems(archive, manifest)
    return problems


def signature_problems(
    archive: ZipFile, raw: bytes, manifest: dict[str, Any], keys: Sequence[PublicKey]
) -> list[str]:
    """The manifest must be signed by one of `keys` (the one its fingerprint names)."""
    if SIGNATURE not in archive.namelist():
        return [f"{SIGNATURE} is missing: the pack is not signed, so it may have been altered"]
    signature = archive.read(SIGNATURE).decode("ascii", "replace")
    named = str((manifest.get("signature") or {}).get("key_fingerprint", ""))
    for key in keys:
        if key.verify(raw, signature):
            return []
    known = ", ".join(key.fingerprint for key in keys)
    return [
        f"{SIGNATURE}: the signature does not match manifest.json under the office key(s) "
        f"{known} (the manifest names {named or 'no key'}): the pack was altered or signed "
        "by someone else"
    ]


def _version_problems(manifest: dict[str, Any]) -> list[str]:
    version = str(manifest.get("pack_format_version", ""))
    if version.split(".", 1)[0] != PACK_FORMAT_VERSION.split(".", 1)[0]:
        return [f"pack format {version or '(none)'} is not a {PACK_FORMAT_VERSION} pack"]
    return []


def _file_problems(archive: ZipFile, names: list[str], listed: dict[str, Any]) -> list[str]:
    problems = []
    for name, entry in listed.items():
        if name not in names:
            problems.append(f"{name}: listed in the manifest but missing from the pack")
            continue
        digest = hashlib.sha256()
        size = 0
        with archive.open(name) as reader:
            while chunk := reader.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
        if digest.hexdigest() != entry.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest (the file was changed)")
        elif size != entry.get("bytes"):
            problems.append(f"{name}: size differs from the manifest")
    problems += [
        f"{name}: in the pack but not in the manifest"
        for name in names
        if name not in listed and name not in (MANIFEST, SIGNATURE)
    ]
    return problems


def _row_problems(archive: ZipFile, names: set[str], manifest: dict[str, Any]) -> list[str]:
    problems = []
    counts: dict[str, int] = manifest.get("row_counts", {})
    sheet_rows = _sheet_rows(archive) if WORKBOOK in names else {}
    for table in manifest.get("tables", []):
        name, expected = table["name"], counts.get(table["name"])
        if expected is None:
            problems.append(f"{name}: no row count in the manifest")
            continue
        if table["csv"] in names:
            found = _csv_rows(archive, table["csv"])
            if found != expected:
                problems.append(f"{table['csv']}: {found} rows, the manifest says {expected}")
        sheets = table.get("sheets", [])
        if sheets and sheet_rows:
            missing = [s for s in sheets if s not in sheet_rows]
            if missing:
                problems.append(f"{WORKBOOK}: sheet {', '.join(missing)} is missing")
                continue
            found = sum(max(sheet_rows[s] - 1, 0) for s in sheets)
            if found != expected:
                problems.append(f"{WORKBOOK} {name}: {found} rows, the manifest says {expected}")
    return problems


def _csv_rows(archive: ZipFile, name: str) -> int:
    with archive.open(name) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        return sum(1 for _ in csv.reader(text)) - 1


def _sheet_rows(archive: ZipFile) -> dict[str, int]:
    """Rows per sheet of the workbook, counted from the sheet XML (streamed)."""
    try:
        with archive.open(WORKBOOK) as inner_file, ZipFile(inner_file) as inner:
            targets = _sheet_targets(inner)
            return {name: _count_rows(inner, target) for name, target in targets}
    except (BadZipFile, KeyError, ET.ParseError):
        return {}


def _sheet_targets(inner: ZipFile) -> Iterable[tuple[str, str]]:
    rels = ET.fromstring(inner.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    by_id = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PKG}Relationship")}
    book = ET.fromstring(inner.read("xl/workbook.xml"))  # noqa: S314
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = by_id.get(sheet.get(f"{_REL}id"), "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        yield sheet.get("name", ""), target


def _count_rows(inner: ZipFile, target: str) -> int:
    rows = 0
    parent: ET.Element | None = None
    with inner.open(target) as stream:
        for event, element in ET.iterparse(stream, events=("start", "end")):  # noqa: S314
            if event == "start":
                if element.tag == f"{_MAIN}sheetData":
                    parent = element
            elif element.tag == f"{_MAIN}row":
                rows += 1
                if parent is not None:
                    parent.clear()  # keep memory flat: rows are only counted
    return rows
