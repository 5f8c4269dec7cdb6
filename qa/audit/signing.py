"""The office's Ed25519 signing key: signs pack manifests and audit-chain checkpoints.

The private key is a PEM file, generated into the data folder on first use (mode 0600) or
given by ``QA_SIGNING_KEY_FILE``. The public key is what an agency holds: a PEM file and a
short fingerprint (the first 16 hex digits of SHA-256 of the raw 32-byte key) that people
read aloud or compare on screen. Signatures are detached, over exact bytes, base64 text.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from qa.domain.errors import InvalidInput

FINGERPRINT_HEX_DIGITS = 16


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key as agencies hold it."""

    key: Ed25519PublicKey

    @property
    def raw(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def fingerprint(self) -> str:
        """First 16 hex digits of SHA-256 of the raw key, grouped in fours for reading."""
        digest = hashlib.sha256(self.raw).hexdigest()[:FINGERPRINT_HEX_DIGITS]
        return ":".join(digest[i : i + 4] for i in range(0, FINGERPRINT_HEX_DIGITS, 4))

    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, data: bytes, signature: str) -> bool:
        """True when `signature` (base64) is this key's signature of exactly `data`."""
        try:
            raw = base64.b64decode(signature.strip(), validate=True)
            self.key.verify(raw, data)
        except (InvalidSignature, binascii.Error, ValueError):
            return False
        return True

    @classmethod
    def from_pem(cls, text: bytes | str, *, source: str = "public key") -> PublicKey:
        data = text.encode("ascii", "replace") if isinstance(text, str) else text
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise InvalidInput(f"{source}: not a PEM public key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput(f"{source}: not an Ed25519 public key")
        return cls(key)

    @classmethod
    def read(cls, path: Path) -> PublicKey:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot read the public key ({exc.strerror})") from exc
        return cls.from_pem(data, source=str(path))


@dataclass(frozen=True)
class SigningKey:
    """The office's private key; `sign` returns a detached base64 signature."""

    key: Ed25519PrivateKey

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key())

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.key.sign(data)).decode("ascii")

    def pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def read(cls, path: Path) -> SigningKey:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(f"{path}: cannot read the signing key ({exc.strerror})") from exc
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidInput(f"{path}: not an unencrypted PEM private key") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"{path}: not an Ed25519 private key")
        return cls(key)


def load_or_create(path: Path, *, create: bool = True) -> SigningKey:
    """The key at `path`; with `create`, a new one is written there first (mode 0600)."""
    if path.exists() or not create:
        return SigningKey.read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = SigningKey.generate()
    # O_EXCL: two processes starting at once must not both write (and disagree on) a key.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return SigningKey.read(path)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key.pem())
    return key
