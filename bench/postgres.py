"""Throwaway PostgreSQL databases for the benches (created and dropped with FORCE)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.conftest import PG_ADMIN_URL


@contextmanager
def databases(count: int, prefix: str) -> Iterator[list[str]]:
    """`count` new databases as psycopg URLs (`.replace("psycopg", "asyncpg")` for Prefect)."""
    names = [f"{prefix}_{uuid.uuid4().hex[:8]}_{n}" for n in range(count)]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield [f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}" for name in names]
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
