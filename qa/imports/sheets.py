"""Rows of a small CSV/xlsx file as (row number, cells by normalised heading)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.domain.catalogue import FormulaCell
from qa.domain.errors import InvalidInput
from qa.imports.reader import open_catalogue


def read_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, Any]]]:
    """Every non-empty row; a missing heading or a formula cell is refused up front."""
    with open_catalogue(path) as sheet:
        headings = {h.lower() for h in sheet.headings}
        missing = [name for name in required if name not in headings]
        if missing:
            raise InvalidInput(f"{path.name}: missing column(s) {', '.join(missing)}")
        rows = [(row.number, {k.lower(): v for k, v in row.cells.items()}) for row in sheet.rows]
    for number, cells in rows:
        for heading, value in cells.items():
            if isinstance(value, FormulaCell):
                raise InvalidInput(f"{path.name} row {number}, {heading}: a formula, not a value")
    return rows
