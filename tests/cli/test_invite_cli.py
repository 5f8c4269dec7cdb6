"""`qa users invite`: a sign-in link printed for the operator to hand over."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from qa.cli import main
from qa.config import Settings
from qa.web.app import create_app


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """Run `qa ARGS...` against a fresh data folder; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("QA_DATABASE_URL", raising=False)
    monkeypatch.delenv("QA_RUBRICS_DIR", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = 0
        try:
            main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_invite_prints_a_link_that_works_once(qa: Any, tmp_path: Path) -> None:
    qa("init")
    qa(
        "users",
        "add",
        "mariam",
        "--email",
        "m@example.org",
        "--name",
        "Mariam",
        "--role",
        "reviewer",
    )
    code, out, _ = qa(
        "users", "invite", "mariam", "--days", "2", "--base-url", "https://qa.example.org/"
    )
    assert code == 0 and "invite link for mariam (works once, until " in out
    found = re.search(r"^https://qa\.example\.org(/invite/[A-Za-z0-9_\-]{43})$", out, re.MULTILINE)
    assert found, out
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path / "data")})
    with TestClient(create_app(settings), base_url="http://testserver") as browser:
        page = browser.get(found.group(1))
        assert page.status_code == 200 and "Welcome, Mariam" in page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        password = "mariam's long new phrase"
        data = {"password": password, "confirm": password, "csrf_token": token.group(1)}
        assert browser.post(found.group(1), data=data, follow_redirects=False).status_code == 303
        assert browser.get(found.group(1)).status_code == 410
    code, out, _ = qa("users", "invite", "mariam")
    assert code == 0 and "password reset link" in out and "http://127.0.0.1:8000/invite/" in out


def test_invite_mistakes_are_one_clear_line(qa: Any) -> None:
    qa("init")
    code, _, err = qa("users", "invite", "nobody")
    assert (code, err.strip()) == (2, "error: there is no user 'nobody'")
    code, _, err = qa("users", "invite", "admin", "--days", "400")
    assert code == 2 and "1 to 90 days" in err and "Traceback" not in err
