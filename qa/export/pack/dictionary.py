"""The data dictionary, generated from the contract: README sheet lines and the docs' tables.

python -m qa.export.pack.dictionary docs/audit-pack.md   # rewrite the generated part
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from qa.export.pack.contract import OTHER_FILES, PACK_FORMAT_VERSION, TABLES
from qa.export.pack.spec import TYPE_MEANINGS, Column, Repeated, Table

BEGIN = "<!-- BEGIN GENERATED from qa/export/pack/contract.py: do not edit by hand -->"
END = "<!-- END GENERATED -->"


def codes_text(codes: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{code} = {meaning}" for code, meaning in codes)


def where(table: Table) -> str:
    return "workbook sheet and CSV twin" if table.in_workbook else "CSV only"


def readme_rows(
    facts: Sequence[tuple[str, str]],
    row_counts: Mapping[str, int],
    criteria: Sequence[str],
    principles: Sequence[str],
) -> Iterable[list[str | None]]:
    """The README table: pack facts, tables, columns, types."""
    for name, value in facts:
        yield ["pack", name, None, value, None]
    for table in TABLES:
        rows = row_counts.get(table.name)
        counted = "" if rows is None else f" Rows: {rows}."
        yield [
            "table",
            table.name,
            where(table),
            f"{table.rows}{counted} Order: {table.order}.",
            table.file,
        ]
    for table in TABLES:
        for column in table.columns:
            yield [
                "column",
                f"{table.name}.{column.name}",
                column.type.value,
                column.description,
                codes_text(column.codes) or None,
            ]
        for group in table.repeated:
            keys = criteria if group.per == "criterion" else principles
            shown = ", ".join(keys[:3]) + (" …" if len(keys) > 3 else "")
            yield [
                "column",
                f"{table.name}.{group.pattern}",
                group.type.value,
                f"{group.description} One column per {group.per} ({shown}).",
                None,
            ]
    for type_, meaning in TYPE_MEANINGS.items():
        yield ["type", type_.value, None, meaning, None]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _column_line(column: Column | Repeated) -> str:
    if isinstance(column, Repeated):
        name, codes = column.pattern, f"one column per {column.per}"
    else:
        name, codes = column.name, codes_text(column.codes)
    return (
        f"| `{_cell(name)}` | {column.type.value} | {_cell(column.description)} | {_cell(codes)} |"
    )


def markdown() -> str:
    """The generated part of docs/audit-pack.md: types, then every table's columns."""
    lines = [BEGIN, "", "Files besides the tables and the manifest:", ""]
    lines += [f"* `{name}`: {_cell(meaning)}" for name, meaning in OTHER_FILES]
    lines += [
        "",
        f"### Column types (format {PACK_FORMAT_VERSION})",
        "",
        "| type | cells hold |",
        "|---|---|",
    ]
    lines += [f"| {t.value} | {_cell(meaning)} |" for t, meaning in TYPE_MEANINGS.items()]
    for table in TABLES:
        lines += [
            "",
            f"### {table.name}",
            "",
            f"{table.rows} Where: {where(table)} (`{table.file}`). Rows ordered by {table.order}.",
            "",
            "| column | type | meaning | codes |",
            "|---|---|---|---|",
        ]
        lines += [_column_line(c) for c in table.columns]
        lines += [_column_line(r) for r in table.repeated]
    lines += ["", END]
    return "\n".join(lines)


def documented_block(text: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[start:end]


def rewrite(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(documented_block(text), markdown()), encoding="utf-8")
