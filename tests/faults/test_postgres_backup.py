"""PostgreSQL backups: `pg_dump -Fc` and `pg_restore` into a fresh database (docs/operations.md).

The round trip of a populated office (demo data, a signed checkpoint): every table holds the
same rows, and `qa audit verify` passes on the restored database with the office's keys.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from qa.cli.exit_codes import EXIT_USER_ERROR
from qa.persistence.db import Database
from tests.conftest import PG_ADMIN_URL, REQUIRE_POSTGRES
from tests.faults.conftest import Qa

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    # The `qa` command leaves its pooled connections to the process exit; run in-process
    # here, the garbage collector closes them instead and psycopg warns about it.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
SERVER = "postgresql://postgres@127.0.0.1:5432"


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        reason = f"{name} is not on PATH (install the PostgreSQL client tools)"
        if REQUIRE_POSTGRES:
            pytest.fail(f"QA_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    return found


@pytest.fixture
def two_databases() -> Iterator[tuple[str, str]]:
    """Two new, empty databases: the office's and the one to restore into."""
    names = [f"qa_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (QA_REQUIRE_POSTGRES=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432 ({exc})")
    with admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    yield names[0], names[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return {
                table.name: int(
                    connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()
                )
                for table in SQLModel.metadata.sorted_tables
            }
    finally:
        db.dispose()


def test_pg_dump_and_pg_restore_round_trip_an_office_that_then_verifies(
    qa: Qa, two_databases: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg_dump, pg_restore = _tool("pg_dump"), _tool("pg_restore")
    office, fresh = two_databases
    monkeypatch.setenv("QA_DATABASE_URL", f"{SERVER}/{office}")
    code, _, err = qa("demo")
    assert code == 0, err
    assert qa("audit", "checkpoint")[0] == 0
    assert qa("audit", "seal")[0] == 0

    # `qa backup` is for SQLite; on PostgreSQL it says what to use instead.
    code, _, err = qa("backup", str(tmp_path / "backup"))
    assert code == EXIT_USER_ERROR and "pg_dump -Fc" in err

    dump = tmp_path / "office.dump"
    env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
    subprocess.run(
        [pg_dump, "-Fc", "--no-owner", "-f", str(dump), f"{SERVER}/{office}"],
        check=True,
        env=env,
    )
    subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", "-d", f"{SERVER}/{fresh}", str(dump)],
        check=True,
        env=env,
    )
    original = _counts(f"postgresql+psycopg://postgres@127.0.0.1:5432/{office}")
    assert original["submission"] >= 20 and original["audit_checkpoint"] >= 1
    assert _counts(f"postgresql+psycopg://postgres@127.0.0.1:5432/{fresh}") == original

    monkeypatch.setenv("QA_DATABASE_URL", f"{SERVER}/{fresh}")
    code, out, err = qa("audit", "verify")
    assert code == 0, out + err
    assert "rows equal the replay" in out and "extends all 1 checkpoints" in out
