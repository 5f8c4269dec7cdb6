"""Builders for catalogue rows and files (tests and benchmarks)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from qa.domain.descriptor_fields import FIELDS

HEADINGS = [spec.key for spec in FIELDS]


def to_cell(key: str, value: Any) -> Any:
    """Render a raw descriptor value the way a person types it into a spreadsheet cell."""
    if value is None:
        return None
    if key == "awarding_bodies":
        return "; ".join(
            f"{body['name']} ["
            + ", ".join(f"{i['scheme']}:{i['value']}" for i in body["identifiers"])
            + "]"
            for body in value
        )
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def catalogue_row(descriptor: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    row = {key: to_cell(key, descriptor.get(key)) for key in HEADINGS}
    row.update(changes)
    return row


def numbered_rows(descriptor: Mapping[str, Any], count: int) -> Iterable[dict[str, Any]]:
    """`count` distinct valid rows derived from one good descriptor."""
    for n in range(count):
        yield catalogue_row(
            descriptor, external_id=f"MC-{n:06d}", title=f"{descriptor['title']} ({n})"
        )


def write_xlsx(
    path: Path, rows: Iterable[Mapping[str, Any]], headings: list[str] | None = None
) -> Path:
    headings = headings or HEADINGS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Catalogue")
    sheet.append(headings)
    for row in rows:
        sheet.append([row.get(h) for h in headings])
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    rows: Iterable[Mapping[str, Any]],
    headings: list[str] | None = None,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    headings = headings or HEADINGS
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headings)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in headings])
    return path
