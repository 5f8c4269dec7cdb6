"""Fault tests: the `qa` command run in-process against a data folder of the test's own."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.cli import main

Qa = Callable[..., tuple[int, str, str]]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def qa(data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Qa:
    """Run `qa ARGS...` on QA_DATA_DIR (the `data_dir` fixture, or `data=` for another)."""
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    monkeypatch.delenv("QA_RUBRICS_DIR", raising=False)
    monkeypatch.delenv("QA_SIGNING_KEY_FILE", raising=False)

    def run(*args: str, data: Path | None = None) -> tuple[int, str, str]:
        monkeypatch.setenv("QA_DATA_DIR", str(data or data_dir))
        code = 0
        try:
            main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        gc.collect()  # engines the command left behind close now, inside the test
        out, err = capsys.readouterr()
        return code, out, err

    return run
