"""The Prefect API the product uses: embedded (ephemeral), a child `prefect server` with the
UI, or an external one. The product owns what it starts and stops it explicitly: uvicorn
re-raises SIGTERM, so `atexit` alone would orphan the server.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import httpx

log = logging.getLogger(__name__)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lower_priority(pid: int) -> None:
    """Prefect's bookkeeping (run states, events) must not slow the routing work itself.

    On a small machine the embedded server competes for the same cores; a lower priority
    lets routing win and Prefect catch up in the gaps.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, pid, 10)
    except OSError:  # not permitted or not supported: run at normal priority
        log.debug("could not lower the Prefect server's priority")


class PrefectAPI:
    """`with PrefectAPI(mode) as api:` gives `api.url` and stops what it started on exit."""

    def __init__(
        self, mode: str = "embedded", *, url: str | None = None, startup_timeout: float = 120.0
    ) -> None:
        if mode not in ("embedded", "ui", "external"):
            raise ValueError(f"unknown Prefect API mode {mode!r}")
        if mode == "external" and not url:
            raise ValueError("an external Prefect API needs its URL")
        self.mode = mode
        self.url = url or ""
        self.ui_url: str | None = None
        self.startup_timeout = startup_timeout
        self._child: subprocess.Popen[bytes] | None = None
        self._ephemeral: object | None = None

    def __enter__(self) -> PrefectAPI:
        if self.mode == "embedded":
            from prefect.server.api.server import SubprocessASGIServer

            server = SubprocessASGIServer()
            server.start(timeout=int(self.startup_timeout))
            self._ephemeral, self.url = server, server.api_url
            if server.server_process is not None:
                lower_priority(server.server_process.pid)
        elif self.mode == "ui":
            self._start_ui_server()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        if self._ephemeral is not None:
            self._ephemeral.stop()  # type: ignore[attr-defined]
            self._ephemeral = None
        if self._child is not None:
            self._child.send_signal(signal.SIGTERM)
            try:
                self._child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()
            self._child = None

    def _start_ui_server(self) -> None:
        port = free_port()
        self.ui_url = f"http://127.0.0.1:{port}"
        self.url = f"{self.ui_url}/api"
        self._child = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "prefect",
                "server",
                "start",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        lower_priority(self._child.pid)
        try:
            wait_healthy(
                f"{self.url}/health",
                timeout=self.startup_timeout,
                process=self._child,
                name="the Prefect server",
            )
        except RuntimeError:
            self.stop()
            raise


def wait_healthy(
    url: str,
    *,
    timeout: float,
    process: subprocess.Popen[bytes] | None = None,
    name: str = "the server",
) -> None:
    """Poll `url` until it answers 200; RuntimeError when `process` exits first or time is up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{name} did not answer {url} within {timeout:.0f} s")


@contextmanager
def flow_settings(api_url: str | None) -> Iterator[None]:
    """Settings for running flows in this thread: heartbeats off and the API to use.

    A sync flow run joins its heartbeat thread at the end, about 0.9 s each (PREFECT.md);
    only `temporary_settings` can switch it off, and it is thread-local: enter this in the
    thread that calls the flows.
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    updates: dict[object, object] = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    if api_url:
        updates[PREFECT_API_URL] = api_url
    with temporary_settings(updates=updates):
        yield
