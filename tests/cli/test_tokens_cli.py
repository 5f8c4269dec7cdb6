"""`qa tokens create | list | revoke`: a token shown once, listed by prefix, revoked, audited."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from qa.cli import main
from qa.config import Settings
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry
from qa.services.people.api_tokens import token_principal


@pytest.fixture
def qa(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
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


def _db(tmp_path: Path) -> Database:
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path / "data")})
    return Database(settings.database_url)


def test_create_list_and_revoke_a_token(qa: Any, tmp_path: Path) -> None:
    assert qa("init")[0] == 0
    added = qa(
        "users",
        "add",
        "rita",
        "--email",
        "rita@example.org",
        "--name",
        "Rita Reviewer",
        "--role",
        "agency",
    )
    assert added[0] == 0, added
    code, out, _ = qa("tokens", "create", "rita", "Registry sync")
    assert code == 0, out
    secret = re.search(r"token \(shown once\): (qa_\S+)", out)
    assert secret is not None
    db = _db(tmp_path)
    actor = token_principal(db, secret.group(1))
    assert actor is not None and {r.value for r in actor.roles} == {"agency"}
    code, listed, _ = qa("tokens", "list", "rita")
    assert code == 0 and "Registry sync" in listed and "live" in listed
    assert secret.group(1) not in listed and secret.group(1)[:10] in listed
    token_id = listed.split("\t", 1)[0]
    assert qa("tokens", "revoke", token_id)[0] == 0
    assert "revoked" in qa("tokens", "list", "rita")[1]
    assert token_principal(db, secret.group(1)) is None
    with db.session() as session:
        actions = list(session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))))
    assert actions.count("api_token.created") == 1 and actions.count("api_token.revoked") == 1
    db.dispose()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("tokens", "create", "nobody", "x"), "there is no user 'nobody'"),
        (("tokens", "create", "admin", "   "), "the token was not created"),
        (("tokens", "revoke", "99999"), "there is no API token 99999"),
        (("tokens", "revoke", "99999999999999999999"), "there is no API token"),
    ],
)
def test_mistakes_are_one_line_errors(qa: Any, args: tuple[str, ...], says: str) -> None:
    assert qa("init")[0] == 0
    code, _, err = qa(*args)
    assert code != 0 and says in err and "Traceback" not in err
