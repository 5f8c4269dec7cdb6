"""One real Prefect API for the whole test session (PREFECT.md "Testing").

Starting the embedded server costs seconds, so it is started once; flows run in-process
against it with heartbeats off. Tests that need no Prefect never import this.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from qa.persistence.db import Database
from tests.world import World, build_world


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    from workflows.api import PrefectAPI, flow_settings

    with PrefectAPI("embedded") as api, flow_settings(api.url):
        yield api.url


@pytest.fixture
def flow_world(sqlite_db: Database, today: date) -> World:
    return build_world(sqlite_db, today)


@pytest.fixture
def settings_for(tmp_path: Path) -> object:
    from qa.config import Settings

    def make(db: Database) -> Settings:
        return Settings.from_env(
            {"QA_DATA_DIR": str(tmp_path), "QA_DATABASE_URL": db.url.render_as_string(False)}
        )

    return make
