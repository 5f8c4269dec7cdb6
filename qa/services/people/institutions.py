"""Institutions: providers of micro-credentials and QA agencies."""

from __future__ import annotations

import re

from sqlmodel import select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.errors import Conflict, InvalidInput, NotFound
from qa.domain.value_checks import Checker
from qa.persistence.db import Database
from qa.persistence.models import Institution

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}\Z")
KINDS = ("provider", "agency")


def add_institution(
    db: Database,
    actor: Actor,
    *,
    code: str,
    name: str,
    country: str,
    kind: str = "provider",
    deqar_id: str | None = None,
) -> Institution:
    problems = []
    if not _CODE.match(code):
        problems.append(f"code {code!r}: use 2-64 letters, digits, '-', '_' or '.'")
    if not name.strip() or len(name) > 255:
        problems.append("name: give the institution's legal name (1-255 characters)")
    elif not name.isprintable():
        problems.append("name: one line of plain text (no line breaks or control characters)")
    if kind not in KINDS:
        problems.append(f"kind {kind!r}: must be provider or agency")
    checker = Checker()
    alpha2 = checker.country("country", country)
    problems.extend(issue.message for issue in checker.issues)
    if problems:
        raise InvalidInput("the institution cannot be added", tuple(problems))
    with db.write() as session:
        if session.exec(select(Institution).where(Institution.code == code)).first():
            raise Conflict(f"an institution with code {code!r} already exists")
        institution = Institution(
            code=code, name=name.strip(), country=alpha2 or "", kind=kind, deqar_id=deqar_id
        )
        session.add(institution)
        session.flush()
        record(
            session,
            actor,
            "institution.added",
            entity_type="institution",
            entity_id=institution.id,
            after=institution.model_dump(mode="json"),
        )
        session.commit()
        return institution


def institution_by_code(db: Database, code: str) -> Institution:
    with db.session() as session:
        found = session.exec(select(Institution).where(Institution.code == code)).first()
    if found is None:
        raise NotFound(f"no institution with code {code!r}")
    return found


def list_institutions(db: Database) -> list[Institution]:
    with db.session() as session:
        return list(session.exec(select(Institution).order_by(Institution.code)))
