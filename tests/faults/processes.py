"""Child `qa` processes for fault tests: start, watch, kill (SIGKILL to the whole group)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Child:
    """`qa ARGS` in its own process group (so a kill takes its Prefect server with it)."""

    def __init__(self, data_dir: Path, *args: str, now: datetime, log: Path, **env: str) -> None:
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("QA_", "PREFECT_HOME", "PREFECT_SERVER_EPHEMERAL_ENABLED"))
        }
        environment |= {
            "QA_DATA_DIR": str(data_dir),
            "QA_FAULT_NOW": now.isoformat(),
            "QA_POLL_SECONDS": "0.2",
            "QA_PACK_SCHEDULE": "off",
            **env,
        }
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.faults.worker_process", *args],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the child and everything it started: no clean-up of any kind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> int:
        """SIGTERM (a normal stop), then SIGKILL to the group if anything is left."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until(
    what: Callable[[], bool], *, timeout: float, child: Child | None = None, every: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if what():
            return
        if child is not None and child.process.poll() is not None:
            raise AssertionError(f"the child exited early:\n{child.output()[-3000:]}")
        time.sleep(every)
    tail = child.output()[-3000:] if child is not None else ""
    raise AssertionError(f"timed out after {timeout} s\n{tail}")


def scalar(database: Path, sql: str) -> int:
    """One number from the SQLite file, read behind the product's back."""
    with sqlite3.connect(database, timeout=30) as connection:
        return int(connection.execute(sql).fetchone()[0])
