"""`qa serve` and `qa worker` refuse to start on a missing or unmigrated database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.cli.startup import EXIT_NOT_READY, database_problem
from qa.config import Settings
from tests.cli import test_cli

qa = test_cli.qa  # the `qa ARGS...` runner against a fresh data folder


def test_serve_and_worker_refuse_a_missing_data_folder_and_create_nothing(
    qa: Any, tmp_path: Path
) -> None:
    for command in ("serve", "worker"):
        code, out, err = qa(command)
        assert code == EXIT_NOT_READY, (command, out, err)
        assert f"there is no database at {tmp_path / 'data' / 'qa.sqlite3'}" in err
        assert "run `qa init` (or `qa demo` for a demonstration) first" in err
        assert "Traceback" not in err and "starting" not in out
    assert not (tmp_path / "data").exists(), "no empty database, no new session key"


def test_an_empty_database_file_is_not_a_database_to_serve(qa: Any, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "qa.sqlite3").touch()
    code, _, err = qa("serve")
    assert code == EXIT_NOT_READY and "is not set up: run `qa init`" in err
    assert not (tmp_path / "data" / "secret_key").exists()


def test_after_init_the_database_is_ready(qa: Any, tmp_path: Path) -> None:
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path / "data")})
    assert database_problem(settings) is not None
    assert qa("init")[0] == 0
    assert database_problem(settings) is None


def test_an_unreachable_database_server_is_named(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "QA_DATA_DIR": str(tmp_path),
            "QA_DATABASE_URL": "postgresql+psycopg://qa:secret@127.0.0.1:9/qa?connect_timeout=2",
        }
    )
    problem = database_problem(settings)
    assert problem is not None and "cannot be used" in problem
    assert "secret" not in problem  # the password is hidden
