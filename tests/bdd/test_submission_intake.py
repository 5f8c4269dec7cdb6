"""Steps for features/submission_intake.feature (service layer, real SQLite database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlalchemy import func
from sqlmodel import select

from qa.config import bundled_rubrics_dir
from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput
from qa.persistence.db import Database
from qa.persistence.models import DescriptorVersion, Institution, Submission
from qa.services.people.institutions import add_institution
from qa.services.rubrics.rubrics import current_rubric, load_rubrics_from
from qa.services.submissions.submissions import intake

scenarios("submission_intake.feature")


@dataclass
class Intake:
    """What the scenario has built so far and what came back."""

    raw: dict[str, Any]
    submission: Submission | None = None
    refusal: InvalidInput | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)


def intake_submit(
    db: Database, actor: Actor, raw: dict[str, Any], today: date
) -> tuple[Submission, list[dict[str, str]]]:
    with db.session() as session:
        institution_id = session.exec(select(Institution.id)).one()
    assert institution_id is not None
    submitted = intake(db, actor, institution_id, raw, today=today)
    with db.session() as session:
        stored = session.exec(
            select(DescriptorVersion).where(DescriptorVersion.submission_id == submitted.id)
        ).one()
    return submitted, stored.warnings


@given(parsers.parse('the provider "{code}" is registered'))
def _provider(sqlite_db: Database, actor: Actor, code: str) -> None:
    add_institution(
        sqlite_db, actor, code=code, name="Instituto Politécnico do Vale do Neiva", country="PT"
    )


@given("the ten-principle rubric is loaded")
def _rubric(sqlite_db: Database, actor: Actor) -> None:
    load_rubrics_from(sqlite_db, actor, bundled_rubrics_dir())


@given(parsers.parse('a complete descriptor "{title}"'), target_fixture="intake")
def _descriptor(good_descriptor: dict[str, Any], title: str) -> Intake:
    return Intake(raw=good_descriptor | {"title": title})


@given("it has no values for:")
def _without(intake: Intake, datatable: list[list[str]]) -> None:
    for (element,) in datatable[1:]:
        intake.raw[element] = None


@given(parsers.parse('its EQF level is {level:d} and its QF-EHEA cycle is "{cycle}"'))
def _level(intake: Intake, level: int, cycle: str) -> None:
    intake.raw |= {"eqf_level": level, "qf_ehea_cycle": cycle}


@given(parsers.parse("its workload is {ects:d} ECTS and {hours:d} hours"))
def _workload(intake: Intake, ects: int, hours: int) -> None:
    intake.raw |= {
        "workload_ects": ects,
        "workload_hours": hours,
        "eqf_level": 7,
        "qf_ehea_cycle": "second",
    }


@when("the provider submits it")
def _submit(intake: Intake, sqlite_db: Database, actor: Actor, today: date) -> None:
    try:
        intake.submission, intake.warnings = intake_submit(sqlite_db, actor, intake.raw, today)
    except InvalidInput as refusal:
        intake.refusal = refusal


@then(parsers.parse('the submission is in stage "{stage}"'))
def _stage(intake: Intake, stage: str) -> None:
    assert intake.refusal is None, intake.refusal.problems if intake.refusal else None
    assert intake.submission is not None and intake.submission.stage == stage


@then("it is pinned to the current rubric version")
def _pinned(intake: Intake, sqlite_db: Database) -> None:
    assert intake.submission is not None
    assert intake.submission.rubric_version_id == current_rubric(sqlite_db)[0].id


@then("no warnings are recorded")
def _no_warnings(intake: Intake) -> None:
    assert intake.warnings == []


@then("it is refused")
def _refused(intake: Intake) -> None:
    assert intake.refusal is not None and intake.submission is None


@then("the refusal names the missing elements:")
def _names(intake: Intake, datatable: list[list[str]]) -> None:
    assert intake.refusal is not None
    named = [problem for problem in intake.refusal.problems if "Missing:" in problem]
    expected = [label for (label,) in datatable[1:]]
    assert len(named) == len(expected)
    for label in expected:
        assert any(f"Missing: {label}" in problem for problem in named), (label, named)


@then("nothing is saved")
def _nothing_saved(sqlite_db: Database) -> None:
    with sqlite_db.session() as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() == 0


@then(parsers.parse('a warning on "{element}" says "{text}"'))
def _warning(intake: Intake, element: str, text: str) -> None:
    assert any(w["element"] == element and text in w["message"] for w in intake.warnings), (
        intake.warnings
    )


pytestmark = pytest.mark.intake
