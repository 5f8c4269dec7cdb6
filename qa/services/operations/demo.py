"""The demo data set: fictional providers, people and 20 micro-credentials (`qa demo`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from sqlmodel import select

from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput
from qa.domain.validation import validate_descriptor
from qa.persistence.db import Database
from qa.persistence.models import Institution, Submission, User
from qa.services.operations.demo_story import TARGETS, tell
from qa.services.people.institutions import add_institution
from qa.services.people.users import add_user
from qa.services.submissions.submissions import create_draft

#: Every demo account gets this password so the demo can be tried at once.
DEMO_PASSWORD = "demo-password"  # noqa: S105 (public by design: demo accounts only)


@dataclass(frozen=True)
class DemoResult:
    created: bool
    institutions: int
    users: int
    submissions: int


def demo_data() -> dict[str, Any]:
    text = resources.files("qa.services.operations").joinpath("demo_data.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_demo(db: Database, actor: Actor, *, today: date) -> DemoResult:
    """Load the demo set once; a second call changes nothing."""
    data = demo_data()
    with db.session() as session:
        if session.exec(select(User).where(User.username == data["users"][0]["username"])).first():
            return DemoResult(False, 0, 0, 0)
    agency = data["agency"]
    add_institution(
        db,
        actor,
        code=agency["code"],
        name=agency["name"],
        country=agency["country"],
        kind="agency",
    )
    for item in data["institutions"]:
        add_institution(
            db,
            actor,
            code=item["code"],
            name=item["name"],
            country=item["country"],
            deqar_id=item["deqar_id"],
        )
    for person in data["users"]:
        institution = person["institution"] or (
            agency["code"] if "agency" in person["roles"] else None
        )
        add_user(
            db,
            actor,
            username=person["username"],
            email=person["email"],
            display_name=person["display_name"],
            roles=person["roles"],
            institution_code=institution,
            password=DEMO_PASSWORD,
            expertise=person["expertise"],
            panel_role=person["panel_role"],
        )
    created = _load_credentials(db, actor, data["credentials"], today)
    tell(db, today, list(zip(created, TARGETS, strict=True)))
    return DemoResult(
        True, len(data["institutions"]) + 1, len(data["users"]), len(data["credentials"])
    )


def _load_credentials(
    db: Database, actor: Actor, credentials: list[dict[str, Any]], today: date
) -> list[int]:
    created: list[int] = []
    with db.write() as session:
        codes = {i.code: i.id for i in session.exec(select(Institution))}
        for item in credentials:
            raw = {k: v for k, v in item.items() if k != "stage"}
            report = validate_descriptor(raw, today=today)
            if report.descriptor is None:
                raise InvalidInput(
                    f"demo credential {item['external_id']} is invalid",
                    tuple(str(i) for i in report.errors),
                )
            institution_id = codes[item["provider"]]
            assert institution_id is not None
            submission: Submission = create_draft(
                session, actor, institution_id, report.descriptor, report.warnings
            )
            assert submission.id is not None
            created.append(submission.id)
        session.commit()
    return created
