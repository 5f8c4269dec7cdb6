"""`qa cluster`: the distributed mode on loopback, for a developer and for the kill test.

Starts a Prefect server (on PostgreSQL when given its address, else Prefect's SQLite in
the data folder), deploys the flows to a process work pool, then starts N pool workers and
M web processes, each a process group of its own so that stopping (or killing) one takes
its children with it. `stop()` stops exactly what was started, in reverse order.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from workflows.api import free_port, lower_priority, wait_healthy


@dataclass
class ClusterSpec:
    folder: Path
    database_url: str
    #: `postgresql+asyncpg://…` for the Prefect server; None: SQLite in the folder.
    prefect_database_url: str | None = None
    workers: int = 2
    web: int = 2
    pool: str = "qa"
    worker_limit: int = 2
    sweep_seconds: float = 30.0
    #: The data folder every process shares (keys, packs); None: FOLDER/data.
    data_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)


@dataclass
class Member:
    name: str
    command: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    port: int | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Cluster:
    def __init__(self, spec: ClusterSpec) -> None:
        self.spec = spec
        self.prefect_port = free_port()
        self.secret = secrets.token_urlsafe(48)
        self.members: list[Member] = []
        spec.folder.mkdir(parents=True, exist_ok=True)

    # -- what every process gets --------------------------------------------------------

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    def env(self) -> dict[str, str]:
        folder = self.spec.folder
        env = {
            **os.environ,
            "QA_DATA_DIR": str(self.spec.data_dir or folder / "data"),
            "QA_DATABASE_URL": self.spec.database_url,
            "QA_PREFECT_API_URL": self.api_url,
            "PREFECT_API_URL": self.api_url,
            "QA_WORK_POOL": self.spec.pool,
            "QA_SECRET_KEY": self.secret,
            "PREFECT_HOME": str(folder / "prefect-client"),
            "DO_NOT_TRACK": "1",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            **self.spec.extra_env,
        }
        return env

    def server_env(self) -> dict[str, str]:
        env = {
            **self.env(),
            "PREFECT_HOME": str(self.spec.folder / "prefect-server"),
            "PREFECT_SERVER_API_HOST": "127.0.0.1",
            "PREFECT_UI_API_URL": self.api_url,
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        if self.spec.prefect_database_url:
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = self.spec.prefect_database_url
        return env

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, timeout: float = 180.0) -> Cluster:
        try:
            self._qa("db", "upgrade")
            self.start_prefect(timeout)
            self._qa("deploy", "--sweep-seconds", str(self.spec.sweep_seconds))
            for n in range(1, self.spec.workers + 1):
                self.start_worker(n)
            for n in range(1, self.spec.web + 1):
                member = self._spawn(
                    f"web-{n}", [*self._qa_command(), "serve", "--host", "127.0.0.1"], port=True
                )
                member.command += ["--port", str(member.port)]
                self._launch(member)
            for member in self.webs:
                _wait_healthy(f"{member.url}/health", member, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def start_prefect(self, timeout: float = 180.0) -> Member:
        command = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.prefect_port),
        ]
        member = Member("prefect-server", command, self.server_env(), port=self.prefect_port)
        self.members.insert(0, member)
        self._launch(member)
        _wait_healthy(f"{self.api_url}/health", member, timeout)
        return member

    def start_worker(self, n: int) -> Member:
        health = free_port()
        member = self._spawn(
            f"worker-{n}",
            [
                *self._qa_command(),
                "worker",
                "--limit",
                str(self.spec.worker_limit),
                "--healthcheck-port",
                str(health),
            ],
        )
        member.port = health
        self._launch(member)
        return member

    def restart_prefect(self, timeout: float = 180.0) -> None:
        """Stop the Prefect server and start it again on the same port and database."""
        server = self.member("prefect-server")
        _terminate(server)
        self.members.remove(server)
        self.start_prefect(timeout)

    def kill(self, name: str) -> None:
        """SIGKILL a member and every process of its group (its flow runs too)."""
        member = self.member(name)
        if member.process is not None and member.process.poll() is None:
            os.killpg(member.process.pid, signal.SIGKILL)
            member.process.wait()

    def stop(self) -> None:
        for member in reversed(self.members):
            _terminate(member)
        self.members.clear()

    # -- helpers --------------------------------------------------------------------------

    @property
    def webs(self) -> list[Member]:
        return [m for m in self.members if m.name.startswith("web-")]

    def member(self, name: str) -> Member:
        return next(m for m in self.members if m.name == name)

    def _qa_command(self) -> list[str]:
        return [sys.executable, "-c", "from qa.cli import main; main()"]

    def _qa(self, *args: str) -> None:
        done = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
            [*self._qa_command(), *args], env=self.env(), capture_output=True, check=False
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")[-3000:]
            raise RuntimeError(f"qa {' '.join(args)} failed ({done.returncode}):\n{output}")

    def _spawn(self, name: str, command: list[str], *, port: bool = False) -> Member:
        member = Member(name, command, self.env(), port=free_port() if port else None)
        self.members.append(member)
        return member

    def _launch(self, member: Member) -> None:
        member.log = self.spec.folder / f"{member.name}.log"
        with member.log.open("ab") as log:
            member.process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
                member.command,
                env=member.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a group of its own: stop/kill reach its children
            )
        if not member.name.startswith("web-"):
            # On one machine, background routing yields to people waiting for a page (the
            # flow-run processes inherit it); on machines of their own this changes nothing.
            lower_priority(member.process.pid)


def _terminate(member: Member, grace: float = 20.0) -> None:
    process = member.process
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def _wait_healthy(url: str, member: Member, timeout: float) -> None:
    """`wait_healthy`, with the end of the member's log when it died on the way."""
    try:
        wait_healthy(url, timeout=timeout, process=member.process, name=member.name)
    except RuntimeError as exc:
        tail = member.log.read_text(errors="replace")[-2000:] if member.log else ""
        raise RuntimeError(f"{exc}:\n{tail}") from exc
