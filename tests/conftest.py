"""Shared fixtures: the travelled clock, a good descriptor, databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
import os
import tempfile

# Prefect reads its settings at import: give the test session its own home, no telemetry,
# and no silently started server (flow tests start one explicitly; see tests/workflows).
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="qa-prefect-home-")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
os.environ["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"] = "50"
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "90"
os.environ["PREFECT_LOGGING_LEVEL"] = "WARNING"
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import SQLModel, select

from qa.config import bundled_rubrics_dir
from qa.domain.actor import Actor
from qa.domain.validation import validate_descriptor
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade
from qa.persistence.models import Institution, Submission
from qa.services.people.institutions import add_institution
from qa.services.people.passwords import use_cheap_hashing_for_tests
from qa.services.rubrics.rubrics import load_rubrics_from
from qa.services.submissions.submissions import create_draft
from tests.clock import START, TODAY
from tests.world import World, build_world

use_cheap_hashing_for_tests()
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REQUIRE_POSTGRES = os.environ.get("QA_REQUIRE_POSTGRES") == "1"

GOOD_DESCRIPTOR: dict[str, Any] = {
    "external_id": "IPVN-MC-2027-001",
    "provider": "PT-IPVN",
    "learner_identification": "Student number and national ID card checked at enrolment",
    "title": "Applied Data Analysis with Python",
    "title_language": "en",
    "issuer_countries": ["PT"],
    "issuer_regions": ["PT11"],
    "awarding_bodies": [
        {
            "name": "Instituto Politécnico do Vale do Neiva",
            "identifiers": [
                {"scheme": "pic", "value": "949731265"},
                {"scheme": "erasmus", "value": "P  VIANA01"},
            ],
        }
    ],
    "issue_date": "2027-02-01",
    "learning_outcomes": [
        "The learner can clean, join and reshape tabular data with pandas",
        "The learner can choose and justify a statistical model for a business question",
    ],
    "workload_ects": 5,
    "workload_hours": 135,
    "eqf_level": 6,
    "qf_ehea_cycle": "first",
    "nqf_level": "NQF 6 (PT)",
    "assessment_type": ["project", "oral_exam"],
    "assessment_description": "Individual data project defended orally",
    "participation_form": "blended",
    "work_based": False,
    "qa_type": "internal_and_external",
    "qa_evidence": "A3ES accreditation decision ACEF/2324/0012 of 2024-03-12",
    "supervision": "supervised_with_id_check_onsite",
    "stackability": "stackable",
    "stackability_target": "Postgraduate Certificate in Applied Data Science (30 ECTS)",
    "field_of_study": "0542",
    "language": ["en", "pt"],
}


_travel = time_machine.travel(START, tick=True)


def pytest_configure(config: pytest.Config) -> None:
    """Move the clock before any test module is imported, for the whole session."""
    _travel.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    _travel.stop()


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def good_descriptor() -> dict[str, Any]:
    """A complete, valid raw descriptor; tests change one element at a time."""
    return copy.deepcopy(GOOD_DESCRIPTOR)


@pytest.fixture
def actor() -> Actor:
    return Actor.cli("tester")


# -- databases ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per test session; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "qa.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for the session, dropped at the end."""
    name = f"qa_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (QA_REQUIRE_POSTGRES=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432 ({exc})")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database: SQLite and PostgreSQL run the same tests."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "qa.sqlite3"
        shutil.copyfile(template, path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        _truncate_all(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    """SQLite only, for tests that are about the embedded default."""
    path = tmp_path / "qa.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def provider_db(db: Database, actor: Actor) -> Database:
    """A database with the bundled rubric and one provider institution (PT-IPVN)."""
    load_rubrics_from(db, actor, bundled_rubrics_dir())
    add_institution(
        db, actor, code="PT-IPVN", name="Instituto Politécnico do Vale do Neiva", country="PT"
    )
    return db


@pytest.fixture
def draft(
    provider_db: Database, actor: Actor, good_descriptor: dict[str, Any], today: date
) -> Submission:
    """One draft submission of PT-IPVN holding the good descriptor."""
    report = validate_descriptor(good_descriptor, today=today)
    assert report.descriptor is not None
    with provider_db.write() as session:
        institution_id = session.exec(select(Institution.id)).one()
        assert institution_id is not None
        submission = create_draft(session, actor, institution_id, report.descriptor, ())
        session.commit()
    return submission


@pytest.fixture
def world(db: Database, today: date) -> World:
    """Provider, three reviewers (subject, labour market, learner), two officers, the rubric."""
    return build_world(db, today)
