"""Audit packs: a deterministic zip of spreadsheets (xlsx + CSV twins) and a manifest.

The contract (tables, columns, types, code lists) is `contract.py`; docs/audit-pack.md is
generated from it. `build_pack` writes a pack, `verify_pack` checks one.

The names below are imported on first use, so that the workbook helper process
(`python -m qa.export.pack.workbook`) starts without the database layers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa.export.pack.build import PackResult, Progress, build_pack
    from qa.export.pack.contract import PACK_FORMAT_VERSION, TABLES
    from qa.export.pack.manifest import verify_pack
    from qa.export.pack.options import DeqarConfig, PackFilter

_WHERE = {
    "PACK_FORMAT_VERSION": "contract",
    "TABLES": "contract",
    "DeqarConfig": "options",
    "PackFilter": "options",
    "PackResult": "build",
    "Progress": "build",
    "build_pack": "build",
    "verify_pack": "manifest",
}
__all__ = [
    "PACK_FORMAT_VERSION",
    "TABLES",
    "DeqarConfig",
    "PackFilter",
    "PackResult",
    "Progress",
    "build_pack",
    "verify_pack",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
