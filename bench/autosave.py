"""Autosave under load: N reviewers saving one criterion at a time against a running server.

    python bench/autosave.py [REVIEWERS] [SECONDS]      (default 16 reviewers, 10 s)

Runs the real app (sign-in, CSRF, policy, audit entry per change) on loopback with SQLite,
then, in the same run, a minimal Starlette endpoint doing one SQLite UPDATE per request
(the baseline: a connection per request) and the same endpoint on a kept-open connection
(the floor), each with the same number of concurrent clients for the same time. Each
client saves again as soon as it has its answer (no think time), so this is a saturation
test. Prints throughput, p50/p99 latency and server CPU per save, and the ratios. Target
at 16 reviewers: p99 < 100 ms and at least half the baseline's throughput. Traffic goes
to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from multiprocessing.context import SpawnProcess
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade
from qa.persistence.models import User
from qa.services.people.passwords import hash_password, use_cheap_hashing_for_tests
from qa.services.review.reviews import declare_conflict, respond
from qa.web.app import create_app
from tests.conftest import GOOD_DESCRIPTOR
from tests.world import build_world

PASSWORD = "bench password 1"
CRITERIA = ("QUAL-1", "QUAL-2", "QUAL-3", "TRAN-1", "TRAN-2", "RELV-1", "VASS-1", "VASS-2")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_forever(kind: str, folder: str, port: int, rows: int) -> None:
    """The server process: the product app or the baseline, on loopback."""
    if kind == "product":
        settings = Settings.from_env({"QA_DATA_DIR": folder})
        app: Starlette = create_app(settings, db=Database(f"sqlite:///{folder}/qa.sqlite3"))
    else:
        app = baseline_app(Path(folder) / "baseline.sqlite3", rows, keep_open=kind == "floor")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def serve(kind: str, folder: Path, rows: int) -> tuple[str, SpawnProcess]:
    """Start a server in its own process (so clients and server do not share one GIL)."""
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=_serve_forever, args=(kind, str(folder), port, rows), daemon=True
    )
    process.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise SystemExit(f"the {kind} server did not start")
    return f"http://127.0.0.1:{port}", process


def stop(process: SpawnProcess) -> None:
    process.terminate()
    process.join(10)


def prepare(folder: Path, reviewers: int) -> tuple[Database, list[tuple[str, int]]]:
    """`reviewers` submissions in peer review, each with one accepted reviewer."""
    db = Database(f"sqlite:///{folder / 'qa.sqlite3'}")
    upgrade(db)
    world = build_world(db, date(2026, 11, 29))
    world.settings = world.settings.__class__(
        reviewers_to_invite=1, required_reviews=1, max_load=reviewers + 1
    )
    jobs: list[tuple[str, int]] = []
    for n in range(reviewers):
        sid = world.to_peer_review(GOOD_DESCRIPTOR | {"external_id": f"B-{n}"})
        assignment = world.assignments(sid)[0]
        reviewer = world.reviewer_for(assignment)
        assert assignment.id is not None
        done = respond(
            db, reviewer, assignment.id, expected_version=assignment.version, accept=True
        )
        declare_conflict(
            db, reviewer, assignment.id, expected_version=done.version, has_conflict=False
        )
        with db.write() as session:
            user = session.get(User, assignment.reviewer_id)
            assert user is not None
            user.password_hash = hash_password(PASSWORD)
            session.add(user)
            session.commit()
            jobs.append((user.username, assignment.id))
    return db, jobs


class Connection:
    """One keep-alive HTTP/1.1 connection for the timed loop.

    A load generator must cost far less than the server it measures: httpx spends about
    2 ms of CPU per request, as much as the server, so with it on a 2-core machine the
    figures measure the client. This sends a fixed request and reads a response framed by
    Content-Length (which Starlette always sets).
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base: str) -> Connection:
        host, port = base.removeprefix("http://").split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        lines = [f"POST {path} HTTP/1.1", "Host: bench"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
        length = re.search(r"^content-length: *(\d+)", head, re.MULTILINE)
        assert length, head
        return int(head.split(" ", 2)[1]), await self.reader.readexactly(int(length.group(1)))

    def close(self) -> None:
        self.writer.close()


async def reviewer(  # noqa: PLR0917 - one coroutine per simulated reviewer
    base: str,
    username: str,
    assignment_id: int,
    ready: asyncio.Barrier,
    seconds: float,
    latencies: list[float],
) -> None:
    """Sign in and open the page, wait for the others, then autosave for `seconds`."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        page = (await client.get("/login")).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        await client.post(
            "/login", data={"login": username, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        header = re.search(
            r'"X-CSRF-Token": "([^"]+)"', (await client.get(f"/reviews/{assignment_id}")).text
        )
        assert header
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    headers = {"X-CSRF-Token": header.group(1), "HX-Request": "true", "Cookie": cookie}
    connection = await Connection.open(base)
    await ready.wait()
    until = time.monotonic() + seconds
    n = 0
    while time.monotonic() < until:
        criterion = CRITERIA[n % len(CRITERIA)]
        start = time.perf_counter()
        status, body = await connection.post(
            f"/reviews/{assignment_id}/scores/{criterion}",
            f"level-{criterion}={n % 4}".encode(),
            headers,
        )
        latencies.append(time.perf_counter() - start)
        assert status == 200, body[:200]
        assert b"Saved" in body, body[:200]
        n += 1
    connection.close()


async def baseline_client(base: str, row: int, until: float, latencies: list[float]) -> None:
    connection = await Connection.open(base)
    n = 0
    while time.monotonic() < until:
        start = time.perf_counter()
        status, _ = await connection.post(f"/save/{row}", f"level={n % 4}".encode(), {})
        latencies.append(time.perf_counter() - start)
        assert status == 200
        n += 1
    connection.close()


def baseline_app(path: Path, rows: int, *, keep_open: bool) -> Starlette:
    """One SQLite UPDATE per request with the product's PRAGMAs, nothing else.

    The baseline opens a connection per request, as a minimal endpoint written plainly
    does (closing the last connection checkpoints the WAL, so it also pays for that). The
    floor keeps one connection open: the least any endpoint on this stack can cost.
    """
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS score (id INTEGER PRIMARY KEY, level INTEGER)")
    setup.execute("DELETE FROM score")
    setup.executemany("INSERT INTO score VALUES (?, 0)", [(n,) for n in range(rows)])
    setup.commit()
    setup.close()

    def connect() -> sqlite3.Connection:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=10000")
        connection.execute("PRAGMA foreign_keys=ON")
        return connection

    kept = connect() if keep_open else None

    async def save(request: Request) -> PlainTextResponse:
        form = await request.form()
        connection = kept or connect()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "UPDATE score SET level=? WHERE id=?",
            (int(str(form["level"])), int(request.path_params["row"])),
        )
        connection.execute("COMMIT")
        if kept is None:
            connection.close()
        return PlainTextResponse("saved")

    return Starlette(routes=[Route("/save/{row:int}", save, methods=["POST"])])


def cpu_seconds(process: SpawnProcess) -> float:
    """CPU time the server process has used so far (0 where /proc is not available)."""
    try:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(label: str, latencies: list[float], seconds: float, cpu: float) -> tuple[float, float]:
    """Print one line; return (saves per second, p99 in seconds)."""
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    rate = len(latencies) / seconds
    print(
        f"{label:>9}: {len(latencies)} saves, {rate:,.0f}/s, "
        f"p50 {statistics.median(ordered) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
        f"server CPU {cpu / len(latencies) * 1000:.2f} ms/save"
    )
    return rate, p99


async def run(reviewers: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db, jobs = prepare(folder, reviewers)
        db.engine.dispose()
        base, process = serve("product", folder, reviewers)
        latencies: list[float] = []
        ready = asyncio.Barrier(len(jobs) + 1)
        clients = asyncio.gather(
            *(reviewer(base, u, a, ready, seconds, latencies) for u, a in jobs)
        )
        await ready.wait()
        cpu = cpu_seconds(process)
        await clients
        cpu = cpu_seconds(process) - cpu
        stop(process)
        product, p99 = report("product", latencies, seconds, cpu)
        plain = await run_baseline("baseline", folder, reviewers, seconds)
        floor = await run_baseline("floor", folder, reviewers, seconds)
        print(f"ratio: {product / plain:.2f} (product throughput / baseline throughput)")
        print(f"       {product / floor:.2f} (product throughput / floor throughput)")
        print(
            f"target at {reviewers} reviewers: p99 < 100 ms {'met' if p99 < 0.1 else 'NOT met'}; "
            f"half the baseline's throughput {'met' if product >= plain / 2 else 'NOT met'}"
        )


async def run_baseline(kind: str, folder: Path, rows: int, seconds: float) -> float:
    base, process = serve(kind, folder, rows)
    latencies: list[float] = []
    cpu = cpu_seconds(process)
    until = time.monotonic() + seconds
    await asyncio.gather(*(baseline_client(base, n, until, latencies) for n in range(rows)))
    cpu = cpu_seconds(process) - cpu
    stop(process)
    return report(kind, latencies, seconds, cpu)[0]


if __name__ == "__main__":
    use_cheap_hashing_for_tests()
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 16
    duration = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    asyncio.run(run(count, min(duration, 60.0)))
