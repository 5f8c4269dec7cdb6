"""docs/audit-pack.md documents exactly the contract: its tables are generated from it."""

from __future__ import annotations

import re
from pathlib import Path

from qa.export.pack.contract import PACK_FORMAT_VERSION, TABLES
from qa.export.pack.dictionary import documented_block, markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "audit-pack.md"


def test_the_document_holds_the_generated_tables() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert documented_block(text) == markdown(), (
        "docs/audit-pack.md is out of step with qa/export/pack/contract.py; run "
        "python -m qa.export.pack docs/audit-pack.md"
    )


def test_the_document_lists_exactly_the_contract_columns() -> None:
    block = documented_block(DOC.read_text(encoding="utf-8"))
    sections = re.split(r"^### ", block, flags=re.MULTILINE)[2:]
    documented = {
        section.splitlines()[0]: re.findall(r"^\| `([^`]+)` \|", section, flags=re.MULTILINE)
        for section in sections
    }
    assert documented == {
        table.name: [c.name for c in table.columns] + [g.pattern for g in table.repeated]
        for table in TABLES
    }


def test_the_document_names_the_format_version() -> None:
    assert f"pack_format_version` is **{PACK_FORMAT_VERSION}**" in DOC.read_text(encoding="utf-8")


def test_column_names_are_unique_within_each_table() -> None:
    for table in TABLES:
        names = [c.name for c in table.columns]
        assert len(names) == len(set(names)), table.name
