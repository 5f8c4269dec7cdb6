"""The kill test: the distributed mode under a killed worker and a restarted Prefect server.

A Prefect server on PostgreSQL, a process work pool, two pool workers and two web
processes on loopback (`qa.cli.cluster`); 200 micro-credentials driven through the whole
lifecycle by simulated people over HTTP (self-assessment, screening, two peer reviews,
sign-off), every request spread over both web replicas. Half-way through, one worker is
killed with SIGKILL together with its flow runs; later the Prefect server is restarted and
the killed worker comes back. At the end every file must be approved, every automated
transition and its audit entry must exist exactly once, every notification must have been
sent, `qa audit verify` must pass, and nothing the test started may still run.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlmodel import col, select

from qa.cli.cluster import Cluster, ClusterSpec
from qa.persistence.db import Database
from qa.persistence.models import (
    Assignment,
    AuditEntry,
    Notification,
    StageChange,
    Submission,
    User,
)
from qa.services.rubrics.rubrics import current_rubric
from tests.conftest import PG_ADMIN_URL, REQUIRE_POSTGRES
from tests.integration.actors import Person
from tests.integration.distributed_seed import RUBRICS

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.distributed]

FILES = 200
REVIEWERS = 16
ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 600.0  # seconds for the whole lifecycle of every file


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """The application's database and the Prefect server's, both dropped at the end."""
    app_db, prefect_db = (f"qa_kill_{uuid.uuid4().hex[:8]}_{kind}" for kind in ("app", "prefect"))
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (QA_REQUIRE_POSTGRES=1) but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable on 127.0.0.1:5432 ({exc})")
    with admin:
        for name in (app_db, prefect_db):
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            f"postgresql+psycopg://postgres@127.0.0.1:5432/{app_db}",
            f"postgresql+asyncpg://postgres@127.0.0.1:5432/{prefect_db}",
        )
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            for name in (app_db, prefect_db):
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _processes_using(url: str) -> list[int]:
    """Every process on the machine whose environment points at the test's database."""
    found = []
    needle = f"QA_DATABASE_URL={url}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_kill_a_worker_and_restart_prefect_midway(
    databases: tuple[str, str], tmp_path: Path
) -> None:
    app_url, prefect_url = databases
    spec = ClusterSpec(
        folder=tmp_path / "cluster",
        database_url=app_url,
        prefect_database_url=prefect_url,
        workers=2,
        web=2,
        sweep_seconds=5.0,
        extra_env={
            "QA_REVIEWERS_TO_INVITE": "2",
            "QA_REQUIRED_REVIEWS": "2",
            "QA_REVIEWER_MAX_LOAD": "60",
            "PYTHONPATH": str(ROOT),
            "QA_RUBRICS_DIR": str(RUBRICS),
        },
    )
    cluster = Cluster(spec)
    db = Database(app_url)
    try:
        cluster.start()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "tests.integration.distributed_seed",
                app_url,
                str(FILES),
                str(REVIEWERS),
            ],
            env=cluster.env(),
            cwd=ROOT,
            check=True,
        )
        report = asyncio.run(_drive(cluster, db))
        print(report)
        _check_record(db, spec.folder / "data" / "notifications.log")
        verify = subprocess.run(
            [sys.executable, "-c", "from qa.cli import main; main()", "audit", "verify"],
            env=cluster.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        # Closed even when a check fails, or its pooled connections would be collected
        # later, in another test, as an unclosed-connection warning.
        db.dispose()
        cluster.stop()
    left = _processes_using(app_url)
    assert not left, f"processes of the cluster still running: {left}"


async def _drive(cluster: Cluster, db: Database) -> str:
    """Every person works until every file is approved; the faults happen on the way."""
    bases = [member.url for member in cluster.webs]
    criteria = [criterion.id for criterion in current_rubric(db)[1].criteria]
    with db.session() as session:
        reviewer_names = session.exec(
            select(User.username).where(col(User.username).startswith("reviewer"))
        ).all()
    provider, officer = Person("provider", bases), Person("officer", bases)
    reviewers = [Person(name, bases) for name in reviewer_names]
    people = [provider, officer, *reviewers]
    for person in people:
        await person.sign_in()
    started = time.monotonic()
    faults: list[str] = []
    done = asyncio.Event()

    async def self_assess(submission_id: int | None) -> None:
        await asyncio.gather(
            *(
                provider.post(
                    f"/submissions/{submission_id}/self-assessment/scores/{criterion}",
                    {
                        f"level-{criterion}": "3",
                        f"evidence-{criterion}": f"evidence/{criterion}.pdf",
                    },
                    htmx=True,
                )
                for criterion in criteria
            )
        )
        await provider.post(
            f"/submissions/{submission_id}/self-assessment/submit",
            {"version": str(_submission(db, submission_id).version)},
        )

    async def review(person: Person, assignment: Assignment) -> None:
        path = f"/reviews/{assignment.id}"
        await person.post(f"{path}/answer", {"accept": "1", "version": str(assignment.version)})
        version = _assignment(db, assignment.id).version
        await person.post(f"{path}/answer", {"conflict": "none", "version": str(version)})
        await asyncio.gather(
            *(
                person.post(
                    f"{path}/scores/{criterion}",
                    {f"level-{criterion}": "3", f"comment-{criterion}": "seen"},
                    htmx=True,
                )
                for criterion in criteria
            )
        )
        await person.post(
            f"{path}/submit",
            {
                "recommendation": "approved",
                "summary": "A careful, well evidenced micro-credential.",
                "version": str(_assignment(db, assignment.id).version),
            },
        )

    async def provider_loop() -> None:
        while not done.is_set():
            waiting = _in_stage(db, "self_assessment")
            for start in range(0, len(waiting), 4):  # four files at a time
                await asyncio.gather(*(self_assess(s.id) for s in waiting[start : start + 4]))
            await asyncio.sleep(0.5)

    async def officer_loop() -> None:
        while not done.is_set():
            for submission in _in_stage(db, "screening"):
                await officer.post(
                    f"/officer/submissions/{submission.id}/screen",
                    {"outcome": "accept", "version": str(submission.version)},
                )
            for submission in _in_stage(db, "sign_off"):
                await officer.post(
                    f"/officer/submissions/{submission.id}/sign-off",
                    {"decision": "approved", "rationale": "", "version": str(submission.version)},
                )
            await asyncio.sleep(0.5)

    async def reviewer_loop(person: Person) -> None:
        while not done.is_set():
            for assignment in _invitations(db, person.username):
                await review(person, assignment)
            await asyncio.sleep(0.5)

    async def faults_loop() -> None:
        killed = restarted = False
        while not done.is_set():
            stages = _stages(db)
            past_screening = FILES - sum(
                stages[s] for s in ("submitted", "self_assessment", "screening")
            )
            if not killed and past_screening >= FILES // 2:
                cluster.kill("worker-1")
                faults.append(f"{time.monotonic() - started:.0f} s: worker-1 killed (SIGKILL)")
                killed = True
            if killed and not restarted and stages["approved"] >= FILES // 4:
                await asyncio.to_thread(cluster.restart_prefect)
                await asyncio.to_thread(cluster.start_worker, 1)
                faults.append(
                    f"{time.monotonic() - started:.0f} s: Prefect server restarted, worker-1 back"
                )
                restarted = True
            if stages["approved"] == FILES:
                done.set()
            elif time.monotonic() - started > TIME_LIMIT:
                done.set()
                raise AssertionError(
                    f"not finished in {TIME_LIMIT:.0f} s: {dict(stages)}; {faults}"
                )
            await asyncio.sleep(1.0)

    tasks = [provider_loop(), officer_loop(), faults_loop(), *(reviewer_loop(r) for r in reviewers)]
    await asyncio.gather(*tasks)
    for person in people:
        await person.close()
    elapsed = time.monotonic() - started
    requests = sum(person.requests for person in people)
    return (
        f"{FILES} files approved in {elapsed:.0f} s, {requests} requests "
        f"({requests / elapsed:.0f}/s) over {len(bases)} web replicas; " + "; ".join(faults)
    )


def _in_stage(db: Database, stage: str) -> list[Submission]:
    with db.session() as session:
        return list(
            session.exec(
                select(Submission).where(Submission.stage == stage).order_by(col(Submission.id))
            )
        )


def _submission(db: Database, submission_id: int | None) -> Submission:
    with db.session() as session:
        found = session.get(Submission, submission_id)
    assert found is not None
    return found


def _assignment(db: Database, assignment_id: int | None) -> Assignment:
    with db.session() as session:
        found = session.get(Assignment, assignment_id)
    assert found is not None
    return found


def _invitations(db: Database, username: str) -> list[Assignment]:
    with db.session() as session:
        return list(
            session.exec(
                select(Assignment)
                .join(User, col(User.id) == col(Assignment.reviewer_id))
                .where(User.username == username, Assignment.state == "invited")
                .order_by(col(Assignment.id))
            )
        )


def _stages(db: Database) -> Counter[str]:
    with db.session() as session:
        return Counter(session.exec(select(Submission.stage)).all())


def _check_record(db: Database, notification_log: Path) -> None:
    with db.session() as session:
        changes = session.exec(select(StageChange).order_by(col(StageChange.id))).all()
        audit = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        notes = session.exec(select(Notification)).all()
        assignments = session.exec(select(Assignment)).all()
    # Each transition once: every file took the same path, and no step appears twice.
    paths: dict[int, list[tuple[str | None, str]]] = {}
    for change in changes:
        paths.setdefault(change.submission_id, []).append((change.from_stage, change.to_stage))
    assert len(paths) == FILES
    expected = paths[min(paths)]
    assert expected[-1][1] == "approved", expected
    odd = {sid: path for sid, path in paths.items() if path != expected}
    assert not odd, f"files whose history differs from {expected}: {list(odd.items())[:3]}"
    # Exactly two reviewers per file: routing invited no one twice after the kill.
    per_file = Counter(a.submission_id for a in assignments)
    assert set(per_file.values()) == {2}, per_file.most_common(3)
    # Each audit entry once: a replayed step would repeat the same change of the same thing.
    twice = Counter(
        (e.action, e.entity_type, e.entity_id, json.dumps(e.after, sort_keys=True))
        for e in audit
        if e.actor_label.startswith("system")
    )
    repeated = [key for key, count in twice.items() if count > 1]
    assert not repeated, f"automated audit entries written twice: {repeated[:3]}"
    # Each notification sent, none given up; the log may hold a message twice only when a
    # worker was killed between handing it over and marking it sent, and then under the same
    # Message-ID (the reader's mail program shows it once).
    assert notes and all(n.sent_at is not None and n.dead_at is None for n in notes)
    logged = Counter(
        json.loads(line)["message_id"]
        for line in notification_log.read_text(encoding="utf-8").splitlines()
    )
    assert len(logged) == len(notes), (len(logged), len(notes))
    duplicates = sum(count - 1 for count in logged.values())
    assert duplicates <= 20, f"{duplicates} messages logged twice"
