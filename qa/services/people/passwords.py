"""Password hashing with Argon2id (argon2-cffi: the reference binding, sane defaults)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST

_hasher = PasswordHasher()
MIN_LENGTH = 10


def use_cheap_hashing_for_tests() -> None:
    """Tests create many accounts; the production cost (~150 ms each) would dominate them."""
    global _hasher  # noqa: PLW0603
    _hasher = PasswordHasher.from_parameters(CHEAPEST)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A random password to print once (about 96 bits)."""
    return secrets.token_urlsafe(12)
