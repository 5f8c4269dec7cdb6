"""An error never takes the connection down with it (issue 13, "found by a hostile probe").

A real uvicorn server on loopback, one kept-alive HTTP/1.1 connection: a handler that
raises (a test-only route) answers the 500 page, and the next request on the same connection
is served normally. (A failure in a middleware, such as the database failing while the
signed-in user is loaded, takes the same path: Starlette's ServerErrorMiddleware.)
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qa.config import Settings
from qa.persistence.db import Database
from qa.web.app import create_app

pytestmark = pytest.mark.slow


async def boom(request: Request) -> Response:
    raise RuntimeError("a defect in a handler")


@pytest.fixture
def server(sqlite_db: Database, tmp_path: Path) -> Iterator[tuple[int, Database]]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=sqlite_db)
    app.router.routes.append(Route("/test-only/boom", boom))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield port, sqlite_db
    running.should_exit = True
    thread.join(10)


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[int, str, str]:
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode()
    return response.status, response.getheader("connection") or "", body


def test_the_connection_serves_the_next_request_after_a_500(
    server: tuple[int, Database],
) -> None:
    port, _ = server
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        assert _get(connection, "/health")[0] == 200
        sock = connection.sock
        for _ in range(3):
            status, header, body = _get(connection, "/test-only/boom")
            assert status == 500 and "nothing you did caused it" in body
            assert header.lower() != "close"
            assert _get(connection, "/health") == (200, "", "ok")
            assert connection.sock is sock  # the same connection, never re-opened
    finally:
        connection.close()
