"""The signing key: created once with mode 0600, signatures that fail on any change."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from qa.audit.signing import PublicKey, SigningKey, load_or_create
from qa.domain.errors import InvalidInput


def test_a_key_is_created_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing_key.pem"
    first = load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_or_create(path)
    assert again.public.raw == first.public.raw
    assert len(first.public.fingerprint) == 19  # 16 hex digits in groups of four


def test_a_signature_holds_for_exactly_the_signed_bytes(tmp_path: Path) -> None:
    key = SigningKey.generate()
    signature = key.sign(b'{"decision": "rejected"}')
    public = PublicKey.from_pem(key.public.pem())
    assert public.verify(b'{"decision": "rejected"}', signature)
    assert not public.verify(b'{"decision": "approved"}', signature)
    assert not SigningKey.generate().public.verify(b'{"decision": "rejected"}', signature)
    assert not public.verify(b'{"decision": "rejected"}', "not base64 at all!")


@pytest.mark.parametrize("content", [b"", b"\x00\xff" * 40, b"-----BEGIN PRIVATE KEY-----\nAAA"])
def test_a_bad_key_file_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "key.pem"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=r"key\.pem"):
        SigningKey.read(path)
    with pytest.raises(InvalidInput, match=r"key\.pem"):
        PublicKey.read(path)
