"""The embedded runner backs off while the database cannot be used, one log line a step."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from qa.config import Settings
from workflows.runner import Backoff, EmbeddedRunner


def test_the_wait_doubles_after_each_failure_up_to_the_cap_and_resets() -> None:
    backoff = Backoff("routing", 0.5, cap=4.0)
    failure = RuntimeError("attempt to write a readonly database")
    assert [backoff.after(failure) for _ in range(5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    assert backoff.after(None) == 0.5
    assert backoff.after(failure) == 1.0


def test_an_unusable_database_is_one_line_per_back_off_step_not_a_traceback_per_poll(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "a-folder-not-a-database"  # SQLite cannot open it: every pass fails
    folder.mkdir()
    settings = Settings.from_env(
        {
            "QA_DATA_DIR": str(tmp_path),
            "QA_DATABASE_URL": f"sqlite:///{folder}",
            "QA_POLL_SECONDS": "0.01",
            "QA_PACK_SCHEDULE": "off",
        }
    )
    runner = EmbeddedRunner(settings, api_url=None)
    caplog.set_level(logging.DEBUG, logger="workflows.runner")
    runner.start()
    time.sleep(0.7)  # 70 polls without back-off; 0.02 + 0.04 + ... + 0.32 s with it
    runner.stop()
    records = [r for r in caplog.records if r.name == "workflows.runner"]
    routing = [r for r in records if r.levelno >= logging.WARNING and "routing" in r.getMessage()]
    assert 3 <= len(routing) <= 7, [r.getMessage() for r in routing]
    assert "routing pass failed (OperationalError: " in routing[0].getMessage()
    assert routing[0].getMessage().endswith("next try in 0.0 s")  # 0.02 s
    assert routing[-1].getMessage().endswith(f"next try in {0.01 * 2 ** len(routing):.1f} s")
    assert all(r.exc_info is None for r in records if r.levelno >= logging.WARNING)
    assert runner.stats.last_error is not None
