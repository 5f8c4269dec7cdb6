"""A realistic mix of users, embedded vs distributed, in the same run.

    python bench/load.py [SECONDS] [REVIEWERS]       (default 20 s, 64 reviewers)

(a) embedded: `qa serve` on SQLite, one process (with its in-process routing worker);
(b) distributed: PostgreSQL, a Prefect server on PostgreSQL, two pool workers and two web
    processes (`qa.cli.cluster`), each simulated person pinned to one replica in turn.

The mix: reviewers autosaving one criterion every 0.5-1.5 s; officers opening the pipeline
and a workspace; providers opening their list and a file's status page; agencies listing
decided files. Printed per mode and action: requests/s, p50/p99 latency, errors; then each
action alone for a few seconds to measure the server CPU per request (web processes plus,
in (b), PostgreSQL; read from /proc), so capacity per core can be read off; the pool's own
CPU (sweeps, seal passes: a process per flow run) is printed apart, per second.
Targets: zero errors in both; autosave p99 < 100 ms at 64 reviewers in (b); (b)'s autosave
CPU per request within 2x of (a)'s. Traffic stays on loopback and stops by itself.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import select

from bench.load_people import PASSWORD, Cast, Stats, people, run_person
from bench.postgres import databases
from qa.config import Settings
from qa.domain.actor import Actor
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade
from qa.persistence.models import User
from qa.services.decisions.decisions import sign_off
from qa.services.people.passwords import hash_password, use_cheap_hashing_for_tests
from qa.services.people.users import add_user
from qa.services.review.reviews import declare_conflict, respond
from tests.conftest import GOOD_DESCRIPTOR
from tests.world import World, build_world
from workflows.api import free_port, wait_healthy

DECIDED = 10


def seed(db: Database, reviewers: int) -> Cast:
    """`reviewers` files in peer review with one accepted reviewer each, and decided files."""
    upgrade(db)
    today = Settings.from_env({}).clock().today()
    world = build_world(db, today)
    world.settings = world.settings.__class__(
        reviewers_to_invite=1, required_reviews=1, max_load=reviewers + DECIDED + 1
    )
    operator = Actor.cli("bench")
    add_user(
        db,
        operator,
        username="agency",
        email="agency@example.org",
        display_name="Agency",
        roles=["agency"],
        password=PASSWORD,
    )
    jobs, files = [], []
    for n in range(reviewers):
        sid = world.to_peer_review(GOOD_DESCRIPTOR | {"external_id": f"L-{n}"})
        files.append(sid)
        assignment = world.assignments(sid)[0]
        reviewer = world.reviewer_for(assignment)
        assert assignment.id is not None
        done = respond(
            db, reviewer, assignment.id, expected_version=assignment.version, accept=True
        )
        declare_conflict(
            db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
        )
        jobs.append((_username(db, assignment.reviewer_id), assignment.id))
    for n in range(DECIDED):
        _decide(world, f"D-{n}")
    with db.write() as session:
        for user in session.exec(select(User)):
            user.password_hash = hash_password(PASSWORD)
            session.add(user)
        session.commit()
    return Cast(jobs, files)


def _decide(world: World, external_id: str) -> None:
    world.settings = world.settings.__class__(
        reviewers_to_invite=2, required_reviews=2, max_load=world.settings.max_load
    )
    sid = world.to_sign_off(GOOD_DESCRIPTOR | {"external_id": external_id})
    version = world.submission(sid).version
    sign_off(
        world.db,
        world.officers[0],
        sid,
        expected_version=version,
        decision="approved",
        rationale=None,
        today=world.today,
    )
    world.settings = world.settings.__class__(
        reviewers_to_invite=1, required_reviews=1, max_load=world.settings.max_load
    )


def _username(db: Database, user_id: int) -> str:
    with db.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.username


THINK = {
    "autosave": (0.5, 1.5),
    "officer pages": (0.5, 1.5),
    "provider pages": (0.5, 1.5),
    "agency list": (1.0, 3.0),
}


async def load(
    bases: list[str], cast: Cast, seconds: float, only: str | None, pids: Callable[[], list[int]]
) -> tuple[Stats, float]:
    crowd = await people(bases, cast)
    stats = Stats()
    before = cpu_seconds(pids())
    until = time.monotonic() + seconds
    await asyncio.gather(
        *(
            run_person(name, session, act, (0.0, 0.0) if only else THINK[name], until, stats)
            for name, members in crowd.items()
            if only in (None, name)
            for session, act in members
        )
    )
    used = cpu_seconds(pids()) - before
    for members in crowd.values():
        for session, _ in members:
            session.connection.close()
    return stats, used


def cpu_seconds(pids: list[int]) -> float:
    """CPU of these processes and of every child they have reaped (utime, stime, cutime,
    cstime): a PostgreSQL backend or a flow-run process that ended between two readings is
    still counted, in its parent's figures."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in set(pids):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / tick
    return total


def descendants(root: int) -> list[int]:
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        for task in (
            Path(f"/proc/{parent}/task").glob("*/children")
            if Path(f"/proc/{parent}").exists()
            else []
        ):
            for child in task.read_text().split():
                found.append(int(child))
                frontier.append(int(child))
    return found


def postgres_pids() -> list[int]:
    """The postmaster and its live children (backends it reaps count in its own figures)."""
    found = subprocess.run(
        ["pgrep", "-o", "-x", "postgres"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [pid for root in found.stdout.split() for pid in descendants(int(root))]


# -- the two modes -------------------------------------------------------------------------


def embedded(
    folder: Path, reviewers: int
) -> tuple[list[str], Cast, Callable[[], list[int]], Callable[[], None]]:
    db = Database(f"sqlite:///{folder / 'qa.sqlite3'}")
    cast = seed(db, reviewers)
    db.dispose()
    port = free_port()
    env = {**os.environ, "QA_DATA_DIR": str(folder)}
    env.pop("QA_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-c", "from qa.cli import main; main()", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_healthy(f"{base}/health", timeout=120, process=server, name="qa serve")

    def stop() -> None:
        server.terminate()
        server.wait(30)

    return [base], cast, lambda: descendants(server.pid), stop


def distributed(
    folder: Path, reviewers: int
) -> tuple[list[str], Cast, Callable[[], list[int]], Callable[[], None]]:
    from qa.cli.cluster import Cluster, ClusterSpec

    owned = ExitStack()
    app_url, prefect_url = owned.enter_context(databases(2, "qa_load"))
    db = Database(app_url)
    cast = seed(db, reviewers)
    db.dispose()
    cluster = Cluster(
        ClusterSpec(
            folder=folder,
            database_url=app_url,
            prefect_database_url=prefect_url.replace("psycopg", "asyncpg"),
            workers=2,
            web=2,
        )
    )
    owned.callback(cluster.stop)  # stopped before the databases are dropped
    try:
        cluster.start()
    except BaseException:
        owned.close()
        raise

    def pids() -> list[int]:
        webs = [p for m in cluster.webs if m.process for p in descendants(m.process.pid)]
        return webs + postgres_pids()

    def background() -> list[int]:
        return [
            p
            for m in cluster.members
            if m.process and not m.name.startswith("web-")
            for p in descendants(m.process.pid)
        ]

    BACKGROUND.append(background)

    return [m.url for m in cluster.webs], cast, pids, owned.close


#: The pool's own processes (Prefect server, workers, their flow runs) of mode (b): their CPU
#: is a background cost per second (sweeps, seal passes), not a cost per request.
BACKGROUND: list[Callable[[], list[int]]] = []


def ms(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000
        if len(values) > 1
        else values[0] * 1000
    )


def measure(
    label: str,
    setup: Callable[..., tuple[list[str], Cast, Callable[[], list[int]], Callable[[], None]]],
    folder: Path,
    seconds: float,
    reviewers: int,
) -> dict[str, dict[str, float]]:
    bases, cast, pids, stop = setup(folder, reviewers)
    results: dict[str, dict[str, float]] = {}
    try:
        background_before = cpu_seconds(BACKGROUND[0]()) if BACKGROUND else 0.0
        stats, _ = asyncio.run(load(bases, cast, seconds, None, pids))
        if BACKGROUND:
            spent = cpu_seconds(BACKGROUND.pop()()) - background_before
            print(
                f"\n(b) pool background (Prefect server, workers, flow runs): "
                f"{spent / seconds:.2f} CPU s/s"
            )
        for name, values in stats.latencies.items():
            results[name] = {
                "rps": len(values) / seconds,
                "p50": ms(values, 50),
                "p99": ms(values, 99),
                "errors": stats.errors[name],
                "n": len(values),
            }
        for name in THINK:  # each action alone, saturating: server CPU per request
            solo, used = asyncio.run(load(bases, cast, 4.0, name, pids))
            count = len(solo.latencies[name])
            results[name]["cpu_ms"] = used / count * 1000 if count else float("nan")
            results[name]["errors"] += solo.errors[name]
    finally:
        stop()
    print(f"\n({label})")
    print(f"{'action':<16}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'CPU ms/req':>12}")
    for name, row in results.items():
        print(
            f"{name:<16}{row['rps']:>8.1f}{row['p50']:>9.1f}{row['p99']:>9.1f}{row['errors']:>8.0f}{row['cpu_ms']:>12.2f}"
        )
    return results


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    reviewers = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    use_cheap_hashing_for_tests()
    print(f"{reviewers} reviewers, 4 officers, 4 providers, 2 agencies; {seconds:g} s per mode")
    with tempfile.TemporaryDirectory() as tmp:
        a = measure("a: embedded, SQLite, 1 process", embedded, Path(tmp) / "a", seconds, reviewers)
        b = measure(
            "b: PostgreSQL, 2 web + 2 workers", distributed, Path(tmp) / "b", seconds, reviewers
        )
    print("\nratios b/a")
    for name in a:
        print(
            f"{name:<16} throughput {b[name]['rps'] / a[name]['rps']:.2f}"
            f"  p99 {b[name]['p99'] / a[name]['p99']:.2f}"
            f"  CPU/req {b[name]['cpu_ms'] / a[name]['cpu_ms']:.2f}"
        )
    errors = sum(r["errors"] for r in (*a.values(), *b.values()))
    print(
        f"errors: {errors:.0f}; autosave p99 in (b): {b['autosave']['p99']:.0f} ms (target < 100)"
    )


if __name__ == "__main__":
    main()
