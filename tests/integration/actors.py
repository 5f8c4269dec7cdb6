"""Simulated people for the kill test: each signs in and works over HTTP, spreading its
requests over every web replica (one cookie jar: a session must hold on any replica)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import httpx

from tests.integration.distributed_seed import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_HEADER = re.compile(r'"X-CSRF-Token": "([^"]+)"')


@dataclass
class Person:
    username: str
    bases: list[str]
    client: httpx.AsyncClient = field(init=False)
    csrf: str = ""
    requests: int = 0
    _next: itertools.cycle[str] = field(init=False)

    def __post_init__(self) -> None:
        limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
        self.client = httpx.AsyncClient(timeout=60, limits=limits)
        self._next = itertools.cycle(self.bases)

    def url(self, path: str) -> str:
        return f"{next(self._next)}{path}"

    async def sign_in(self) -> None:
        page = (await self.client.get(self.url("/login"))).text
        token = _TOKEN.search(page)
        assert token, page[:300]
        answer = await self.client.post(
            self.url("/login"),
            data={"login": self.username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert answer.status_code in (200, 303), answer.text[:300]
        home = (await self.client.get(self.url("/account"))).text
        header = _HEADER.search(home)
        assert header, f"{self.username}: no CSRF token after sign-in"
        self.csrf = header.group(1)

    async def post(
        self,
        path: str,
        data: dict[str, str],
        *,
        htmx: bool = False,
        ok: tuple[int, ...] = (200, 303),
    ) -> httpx.Response:
        """POST on the next replica; a 503 (database busy, replica restarting) is retried."""
        headers = {"X-CSRF-Token": self.csrf}
        if htmx:
            headers["HX-Request"] = "true"
        for _attempt in range(5):
            self.requests += 1
            try:
                answer = await self.client.post(self.url(path), data=data, headers=headers)
            except httpx.TransportError:
                continue
            if answer.status_code != 503:
                break
        assert answer.status_code in ok, (
            f"{self.username} POST {path}: {answer.status_code} {answer.text[:400]}"
        )
        return answer

    async def close(self) -> None:
        await self.client.aclose()
