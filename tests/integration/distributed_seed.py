"""Seed the kill test's database: `python -m tests.integration.distributed_seed URL N REVIEWERS`.

Runs in a process of its own so that every time it writes comes from the same clock as the
cluster's processes (the real one): the test process itself runs on time-machine's clock.
What it creates is what an office has before an intake: the (compact) rubric, the accounts (as `qa
users add` makes them) and N micro-credentials submitted by the provider (as a catalogue
import submits them). Everything after that happens over HTTP and through the pool.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from qa.config import Settings
from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.persistence.db import Database
from qa.services.people.institutions import add_institution
from qa.services.people.users import add_user
from qa.services.rubrics.rubrics import load_rubrics_from
from qa.services.submissions.submissions import intake
from tests.conftest import GOOD_DESCRIPTOR

PASSWORD = "kill test password 1"
#: The compact rubric of the tests (one criterion per principle): the kill test is about
#: routing under faults; scoring the 43-criterion rubric over HTTP is the autosave bench's.
RUBRICS = Path(__file__).resolve().parents[1] / "fixtures" / "rubrics"
PANEL_ROLES = ("subject_expert", "labour_market", "learner")


def seed(url: str, files: int, reviewers: int) -> None:
    clock = Settings.from_env().clock()
    db = Database(url, clock=clock)
    operator = Actor.cli("kill-test")
    load_rubrics_from(db, operator, RUBRICS)
    institution = add_institution(
        db, operator, code="PT-IPVN", name="Instituto Politécnico", country="PT"
    )
    provider = add_user(
        db,
        operator,
        username="provider",
        email="provider@example.org",
        display_name="Provider Person",
        roles=["provider"],
        institution_code="PT-IPVN",
        password=PASSWORD,
    )
    add_user(
        db,
        operator,
        username="officer",
        email="officer@example.org",
        display_name="Officer Person",
        roles=["officer"],
        password=PASSWORD,
    )
    for n in range(reviewers):
        add_user(
            db,
            operator,
            username=f"reviewer{n:02d}",
            email=f"reviewer{n:02d}@example.org",
            display_name=f"Reviewer {n:02d}",
            roles=["reviewer"],
            expertise=["0542"],
            panel_role=PANEL_ROLES[n % len(PANEL_ROLES)],
            password=PASSWORD,
        )
    actor = Actor("provider", provider.user.id, frozenset({Role.PROVIDER}), institution.id)
    today = clock.today()
    assert institution.id is not None
    for n in range(files):
        descriptor = dict(GOOD_DESCRIPTOR)
        descriptor["external_id"] = f"KILL-{n:04d}"
        descriptor["title"] = f"Applied Data Analysis, part {n}"
        descriptor["issue_date"] = (today + timedelta(days=60)).isoformat()
        intake(db, actor, institution.id, descriptor, today=today)
    db.dispose()


if __name__ == "__main__":
    seed(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
