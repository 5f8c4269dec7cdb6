"""The simulated people of bench/load.py: signed-in sessions on raw keep-alive HTTP, what
each kind of person does, and the loop that times it."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

import httpx

from bench.autosave import Connection

PASSWORD = "bench password 1"
CRITERIA = ("QUAL-1", "QUAL-2", "TRAN-1", "RELV-1", "VASS-1", "VASS-2")


@dataclass
class Cast:
    reviewers: list[tuple[str, int]]  # (user name, accepted assignment)
    submissions: list[int]


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


# -- people ------------------------------------------------------------------------------


class Session:
    """A signed-in person on one replica: cookie and CSRF header, then raw keep-alive HTTP."""

    def __init__(self, base: str, headers: dict[str, str], connection: Connection) -> None:
        self.base, self.headers, self.connection = base, headers, connection

    @classmethod
    async def open(cls, base: str, username: str, page: str) -> Session:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            form = (await client.get("/login")).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form)
            assert token, form[:200]
            await client.post(
                "/login",
                data={"login": username, "password": PASSWORD, "csrf_token": token.group(1)},
            )
            header = re.search(r'"X-CSRF-Token": "([^"]+)"', (await client.get(page)).text)
            assert header, f"{username} could not open {page}"
            cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        headers = {"X-CSRF-Token": header.group(1), "Cookie": cookie}
        return cls(base, headers, await Connection.open(base))

    async def request(self, method: str, path: str, body: bytes = b"", htmx: bool = False) -> int:
        headers = dict(self.headers) | ({"HX-Request": "true"} if htmx else {})
        if method == "POST":
            status, _ = await self.connection.post(path, body, headers)
            return status
        return await _get(self.connection, path, headers)


async def _get(connection: Connection, path: str, headers: dict[str, str]) -> int:
    lines = [f"GET {path} HTTP/1.1", "Host: bench", *(f"{k}: {v}" for k, v in headers.items())]
    connection.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head = (await connection.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
    length = re.search(r"^content-length: *(\d+)", head, re.MULTILINE)
    assert length, head
    await connection.reader.readexactly(int(length.group(1)))
    return int(head.split(" ", 2)[1])


async def autosave(session: Session, assignment: int, n: int) -> int:
    criterion = CRITERIA[n % len(CRITERIA)]
    body = f"level-{criterion}={n % 4}".encode()
    return await session.request(
        "POST", f"/reviews/{assignment}/scores/{criterion}", body, htmx=True
    )


async def run_person(  # noqa: PLR0917 - one coroutine per simulated person
    name: str,
    session: Session,
    act: Callable[[int], Awaitable[int]],
    think: tuple[float, float],
    until: float,
    stats: Stats,
) -> None:
    n = 0
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            status = await act(n)
            ok = status < 400
        except (OSError, AssertionError, asyncio.IncompleteReadError):
            ok = False
        stats.latencies[name].append(time.perf_counter() - start)
        if not ok:
            stats.errors[name] += 1
        n += 1
        await asyncio.sleep(random.uniform(*think))


async def officer_page(session: Session, files: list[int], n: int) -> int:
    path = "/officer" if n % 2 == 0 else f"/officer/submissions/{files[n % len(files)]}"
    return await session.request("GET", path)


async def provider_page(session: Session, files: list[int], n: int) -> int:
    return await session.request(
        "GET", "/" if n % 2 == 0 else f"/submissions/{files[n % len(files)]}"
    )


async def agency_page(session: Session, n: int) -> int:
    return await session.request("GET", "/agency")


Crowd = dict[str, list[tuple[Session, Callable[[int], Awaitable[int]]]]]


async def people(bases: list[str], cast: Cast) -> Crowd:
    """Every simulated person, signed in on the replicas in turn, with what they do."""
    replica = iter(bases * 1000)
    crowd: Crowd = defaultdict(list)
    for username, assignment in cast.reviewers:
        session = await Session.open(next(replica), username, f"/reviews/{assignment}")
        crowd["autosave"].append((session, partial(autosave, session, assignment)))
    for _ in range(4):
        session = await Session.open(next(replica), "aoife", "/officer")
        crowd["officer pages"].append((session, partial(officer_page, session, cast.submissions)))
    for _ in range(4):
        session = await Session.open(next(replica), "ines", "/")
        crowd["provider pages"].append((session, partial(provider_page, session, cast.submissions)))
    for _ in range(2):
        session = await Session.open(next(replica), "agency", "/agency")
        crowd["agency list"].append((session, partial(agency_page, session)))
    return crowd
