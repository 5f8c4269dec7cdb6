"""The vendored axe-core is the pinned release, with its licences (nothing downloads in tests)."""

from __future__ import annotations

import hashlib

from tests.browser.axe import AXE_FILE, AXE_SHA256, AXE_VERSION, VENDOR


def test_vendored_axe_core_is_the_pinned_file_with_its_licences() -> None:
    source = AXE_FILE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256
    assert source.startswith(f"/*! axe v{AXE_VERSION}".encode())
    licence = (VENDOR / "axe-core-LICENSE.txt").read_text("utf-8")
    assert licence.startswith("Mozilla Public License, version 2.0")
    third_party = (VENDOR / "axe-core-LICENSE-3RD-PARTY.txt").read_text("utf-8")
    assert "MIT License" in third_party
    assert sorted(path.name for path in VENDOR.iterdir()) == [
        "axe-core-4.14.1.min.js",
        "axe-core-LICENSE-3RD-PARTY.txt",
        "axe-core-LICENSE.txt",
    ]
