"""DEQAR rows: upgraded decisions, joint awarding bodies, and missing settings named."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlmodel import select

from qa.export.pack import PackFilter, build_pack
from qa.export.pack.deqar_contract import DEQAR as DEQAR_TABLE
from qa.export.pack.options import DeqarConfig
from qa.export.pack.rows import deqar_row
from qa.persistence.models import Condition
from qa.services.decisions.decisions import ConditionInput, mark_condition_met, sign_off
from tests.clock import TODAY
from tests.export.conftest import DEQAR, OFFICE_KEY, Decided, PackReader
from tests.world import World

CONFIG = DeqarConfig(
    agency_id="AG-1", activity_id="ACT-7", report_url="https://x/{local_identifier}"
)


def _row(**changes: Any) -> Any:
    data = {
        "eqf_level": 6,
        "title": "Applied Data Analysis",
        "awarding_bodies": [{"name": "Instituto Politécnico", "identifiers": []}],
    }
    values = {
        "submission_id": 7,
        "round_number": 1,
        "decision": "approved",
        "stage": "approved",
        "data": data,
        "aggregates": {},
        "rationale": "Sound.",
        "valid_from": None,
        "valid_to": None,
        "decided_at": None,
        "provider_deqar_id": "DEQARINST0042",
        "external_id": "IPVN-1",
    }
    values |= changes
    return SimpleNamespace(**values)


def _cells(row: Any) -> dict[str, Any]:
    line = deqar_row(row, CONFIG, [])
    assert line is not None
    return dict(zip([c.name for c in DEQAR_TABLE.columns], line, strict=True))


def test_a_decision_whose_conditions_are_all_met_is_reported_as_approved() -> None:
    pending = _cells(_row(decision="approved_with_conditions", stage="approved_with_conditions"))
    assert pending["decision"] == "2"
    met = _cells(_row(decision="approved_with_conditions", stage="approved"))
    assert met["decision"] == "1"
    assert "every condition has been met" in met["other_comment"]


def test_joint_awarding_bodies_fill_further_institution_columns() -> None:
    bodies = [
        {"name": "Instituto Politécnico", "identifiers": [{"scheme": "pic", "value": "9"}]},
        {
            "name": "Universidade do Minho",
            "identifiers": [{"scheme": "deqar", "value": "DEQARINST0101"}],
        },
        {"name": "TU Delft", "identifiers": [{"scheme": "deqar", "value": "DEQARINST0202"}]},
        {"name": "Hochschule ohne DEQAR", "identifiers": [{"scheme": "vat", "value": "DE1"}]},
    ]
    row = _row(data={"eqf_level": 6, "title": "Joint", "awarding_bodies": bodies})
    cells = _cells(row)
    assert cells["institution[1].deqar_id"] == "DEQARINST0042"
    assert (cells["institution[2].deqar_id"], cells["institution[3].deqar_id"]) == (
        "DEQARINST0101",
        "DEQARINST0202",
    )
    assert cells["institution[4].deqar_id"] is None
    assert "Also awarded by: Hochschule ohne DEQAR" in cells["other_comment"]
    single = _cells(_row())
    assert single["institution[2].deqar_id"] is None
    assert "Also awarded by" not in single["other_comment"]


def test_missing_deqar_settings_are_named() -> None:
    assert DeqarConfig().missing() == [
        "QA_DEQAR_AGENCY_ID is not set: the DEQAR sheet's agency column is empty",
        "QA_DEQAR_ACTIVITY_ID is not set: the DEQAR sheet's activities[1].id column is empty",
        "QA_DEQAR_REPORT_URL is not set: the DEQAR sheet's file[1].original_location column "
        "is empty",
    ]
    assert CONFIG.missing() == []


def test_the_readme_sheet_warns_about_missing_deqar_settings(decided: Decided) -> None:
    result = decided.build("unconfigured.zip", deqar=DeqarConfig())
    readme = PackReader(result.path).records("README")
    warnings = [r["description"] for r in readme if r["name"] == "warning"]
    assert any("QA_DEQAR_AGENCY_ID is not set" in w for w in warnings), warnings
    configured = PackReader(decided.build("configured.zip").path).records("README")
    assert not any(r["name"] == "warning" and "QA_DEQAR" in r["description"] for r in configured)


def _deqar_decisions(world: World, path: Path) -> list[str]:
    wanted = PackFilter(TODAY - timedelta(days=1), TODAY + timedelta(days=1))
    built = build_pack(world.db, wanted, path, deqar=DEQAR, signing_key=OFFICE_KEY)
    return [r["decision"] for r in PackReader(built.path).records("DEQAR")]


def test_the_deqar_sheet_follows_a_decision_upgraded_by_its_conditions(
    world: World, good_descriptor: dict[str, Any], tmp_path: Path
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    sign_off(
        world.db,
        world.officers[0],
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved_with_conditions",
        rationale="The recognition procedure is not yet published; it must be before renewal.",
        conditions=[ConditionInput("Publish the procedure", "Board", TODAY + timedelta(60))],
        today=world.today,
    )
    assert _deqar_decisions(world, tmp_path / "pending.zip") == ["2"]
    with world.db.session() as session:
        condition = session.exec(select(Condition)).one()
    assert condition.id is not None
    mark_condition_met(
        world.db,
        world.officers[0],
        condition.id,
        expected_version=condition.version,
        evidence="Minutes",
    )
    assert world.stage(submission_id) == "approved"
    assert _deqar_decisions(world, tmp_path / "met.zip") == ["1"]
