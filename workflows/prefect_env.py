"""Prefect's environment for the embedded product: set before `prefect` is imported.

The values are the measured ones of PREFECT.md: the product's own PREFECT_HOME, no
telemetry, batched task-run recording (no "database is locked" in Prefect's SQLite), a
generous ephemeral start-up timeout and quiet logs. Existing values are left alone so an
operator can override any of them.
"""

from __future__ import annotations

import os
import sys

from qa.config import Settings

DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "50",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
}


#: What a pool worker (and every flow-run process it starts) runs with in distributed mode:
#: quick polling, heartbeats on (zombie detection), and run logs at INFO so each run's counts
#: reach the Prefect UI. They take precedence over DEFAULTS; an operator's values over both.
POOL_WORKER_DEFAULTS = {
    "PREFECT_WORKER_QUERY_SECONDS": "2",
    "PREFECT_WORKER_PREFETCH_SECONDS": "2",
    "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30",
    "PREFECT_LOGGING_LEVEL": "INFO",
}


def prepare_prefect_environment(settings: Settings, *, pool_worker: bool = False) -> None:
    """Must run before the first `import prefect` in the process."""
    if "prefect" in sys.modules:
        return  # too late to change what Prefect read; keep whatever is set
    settings.prefect_home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(settings.prefect_home))
    for name, value in {**DEFAULTS, **(POOL_WORKER_DEFAULTS if pool_worker else {})}.items():
        os.environ.setdefault(name, value)
    if settings.prefect_api_url:
        os.environ["PREFECT_API_URL"] = settings.prefect_api_url
