"""Prefect's environment per process: a pool worker logs at INFO with heartbeats on (so each
run's counts reach the Prefect UI and a dead worker's runs are marked Crashed); the embedded
product stays quiet with heartbeats off; an operator's own values win over both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, os, sys
from qa.config import Settings
from workflows.prefect_env import prepare_prefect_environment
prepare_prefect_environment(Settings.from_env(), pool_worker=sys.argv[1] == "pool")
keys = ("PREFECT_LOGGING_LEVEL", "PREFECT_FLOWS_HEARTBEAT_FREQUENCY", "PREFECT_API_URL")
print(json.dumps({k: os.environ.get(k) for k in keys}))
"""


def probe(tmp_path: Path, mode: str, **env: str) -> dict[str, str | None]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "QA_"))}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        env={**clean, "QA_DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, str | None] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("mode", "level", "heartbeat"), [("pool", "INFO", "30"), ("embedded", "WARNING", None)]
)
def test_each_kind_of_process_gets_its_defaults(
    tmp_path: Path, mode: str, level: str, heartbeat: str | None
) -> None:
    seen = probe(tmp_path, mode, QA_PREFECT_API_URL="http://prefect.internal:4200/api")
    assert seen == {
        "PREFECT_LOGGING_LEVEL": level,
        "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": heartbeat,
        "PREFECT_API_URL": "http://prefect.internal:4200/api",
    }


def test_the_operators_values_win(tmp_path: Path) -> None:
    seen = probe(tmp_path, "pool", PREFECT_LOGGING_LEVEL="DEBUG")
    assert seen["PREFECT_LOGGING_LEVEL"] == "DEBUG"
