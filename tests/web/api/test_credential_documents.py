"""ELM 3 JSON-LD and Open Badges 3.0 documents of approved micro-credentials: every row of
the mapping documented in docs/api.md checked against the documents, stable public URLs,
and nothing published that is not approved (or that names a person)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.web.api.conftest import decide, decided_file, numbered
from tests.world import World

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"
EQF6 = "http://data.europa.eu/snb/eqf/6"
Check = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], None]


def _title(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    assert elm["title"] == {"en": d["title"]} and ob3["name"] == d["title"]


def _language(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    assert ob3["inLanguage"] == d["title_language"]
    assert all(list(o["title"]) == [d["title_language"]] for o in elm["learningOutcome"])


def _bodies(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    (body,) = d["awarding_bodies"]
    (mapped,) = elm["awardedBy"]["awardingBody"]
    assert mapped["legalName"] == {"en": body["name"]}
    assert [(i["schemeName"], i["notation"]) for i in mapped["identifier"]] == [
        (i["scheme"], i["value"]) for i in body["identifiers"]
    ]
    assert ob3["creator"]["name"] == "Instituto Politécnico" and "Profile" in ob3["creator"]["type"]


def _outcomes(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    assert [o["title"]["en"] for o in elm["learningOutcome"]] == d["learning_outcomes"]
    assert ob3["description"] == "; ".join(d["learning_outcomes"])


def _skills(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    uris = d["esco_skills"]
    assert uris and all(o["relatedESCOSkill"] == uris for o in elm["learningOutcome"])
    esco = [a for a in ob3["alignment"] if a["targetFramework"] == "ESCO"]
    assert [a["targetUrl"] for a in esco] == uris
    assert {a["targetType"] for a in esco} == {"ceasn:Competency"}


def _ects(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    (credit,) = elm["creditPoint"]
    assert float(credit["point"]) == d["workload_ects"] == ob3["creditsAvailable"]
    assert credit["framework"] == "http://data.europa.eu/snb/education-credit/6fcec5c5af"


def _level(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
    assert elm["eqfLevel"] == EQF6
    (eqf,) = [a for a in ob3["alignment"] if a["targetUrl"] == EQF6]
    assert eqf["targetFramework"] == "European Qualifications Framework"
    assert ob3["microCredentialFacts"]["eqfLevel"] == d["eqf_level"] == 6


def _eq(raw: Callable[[dict[str, Any]], Any], *gets: Callable[[Any, Any], Any]) -> Check:
    """The element's value (`raw`) is what each of `gets` finds in (elm, ob3)."""

    def check(d: dict[str, Any], elm: dict[str, Any], ob3: dict[str, Any]) -> None:
        for get in gets:
            assert get(elm, ob3) == raw(d)

    return check


def _fact(key: str) -> Callable[[Any, Any], Any]:
    return lambda elm, ob3: ob3["microCredentialFacts"][key]


MAPPING: dict[str, Check] = {
    "title": _title,
    "title_language": _language,
    "awarding_bodies": _bodies,
    "issuer_countries": _eq(
        lambda d: d["issuer_countries"], lambda e, o: e["awardedBy"]["location"]
    ),
    "learning_outcomes": _outcomes,
    "esco_skills": _skills,
    "workload_ects": _ects,
    "workload_hours": _eq(
        lambda d: f"PT{d['workload_hours']}H", lambda e, o: e["volumeOfLearning"]
    ),
    "eqf_level": _level,
    "assessment_type": _eq(
        lambda d: d["assessment_type"], lambda e, o: e["provenBy"][0]["assessmentType"]
    ),
    "assessment_description": _eq(
        lambda d: d["assessment_description"],
        lambda e, o: e["provenBy"][0]["title"]["en"],
        lambda e, o: o["criteria"]["narrative"],
    ),
    "supervision": _eq(
        lambda d: d["supervision"],
        lambda e, o: e["provenBy"][0]["idVerification"],
        _fact("supervision"),
    ),
    "participation_form": _eq(
        lambda d: d["participation_form"], lambda e, o: e["mode"], _fact("participationForm")
    ),
    "qa_type": _eq(
        lambda d: d["qa_type"], lambda e, o: e["accreditation"][0]["qaType"], _fact("qaType")
    ),
    "stackability": _eq(lambda d: d["stackability"], _fact("stackability")),
    "prerequisites": _eq(  # the sample has none; see the test of its own below
        lambda d: d.get("prerequisites"), lambda e, o: e.get("entryRequirement", {}).get("en")
    ),
    "language": _eq(lambda d: d["language"], lambda e, o: e["language"]),
    "field_of_study": _eq(lambda d: d["field_of_study"], lambda e, o: o["fieldOfStudy"]),
    "external_id": _eq(lambda d: d["external_id"], lambda e, o: o["humanCode"]),
}


def _documented_elements() -> set[str]:
    text = DOCS.read_text(encoding="utf-8")
    table = text.split("| descriptor element | ELM 3 (JSON-LD) |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE))


def test_the_test_checks_exactly_the_documented_rows() -> None:
    assert _documented_elements() == set(MAPPING)


def test_every_documented_row_holds_for_an_approved_micro_credential(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    raw = numbered(good_descriptor, 80, "Published Robotics")
    raw["esco_skills"] = [
        "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d",
        "http://data.europa.eu/esco/skill/25f0ea33-1c4c-4f0e-a2a2-6b3bd1d2c2a4",
    ]
    submission_id = world.to_sign_off(raw)
    decide(world, submission_id, "approved")
    anonymous = api(None)
    elm = anonymous.get(f"/credentials/{submission_id}.jsonld")
    ob3 = anonymous.get(f"/credentials/{submission_id}/ob3.json")
    assert elm.status_code == ob3.status_code == 200, (elm.text, ob3.text)
    assert elm.headers["content-type"] == "application/ld+json"
    e, o = elm.json(), ob3.json()
    for check in MAPPING.values():
        check(raw, e, o)
    # the decision and the documents' own identities
    (accreditation,) = e["accreditation"]
    assert accreditation["decision"] == o["microCredentialFacts"]["qaDecision"] == "approved"
    assert accreditation["dateIssued"] == o["microCredentialFacts"]["decidedOn"]
    assert accreditation["dateIssued"] == world.today.isoformat()
    assert e["id"] == f"http://testserver/api/v1/credentials/{submission_id}.jsonld"
    assert o["id"] == f"http://testserver/api/v1/credentials/{submission_id}/ob3.json"
    assert e["type"] == "LearningAchievementSpecification"
    assert o["type"] == ["Achievement"] and o["achievementType"] == "MicroCredential"
    assert e["@context"] == "http://data.europa.eu/snb/model/context/edc-ap"
    assert "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json" in o["@context"]
    # stable: the same bytes on every call
    assert anonymous.get(f"/credentials/{submission_id}.jsonld").content == elm.content
    # published facts only: no reviewer, officer or rationale
    for text in (elm.text, ob3.text):
        assert "Agnieszka" not in text and "Aoife" not in text and "panel" not in text


def test_prerequisites_are_the_entry_requirement(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    raw = numbered(good_descriptor, 81, "With prerequisites")
    raw["prerequisites"] = "Basic statistics"
    submission_id = world.to_sign_off(raw)
    decide(world, submission_id, "approved")
    elm = api(None).get(f"/credentials/{submission_id}.jsonld").json()
    assert elm["entryRequirement"] == {"en": "Basic statistics"}


def test_only_approved_micro_credentials_are_published(
    api: Any, world: World, good_descriptor: dict[str, Any]
) -> None:
    with_conditions = decided_file(world, good_descriptor, 82)
    rejected = world.to_sign_off(numbered(good_descriptor, 83, "Rejected"))
    decide(world, rejected, "rejected")
    under_review = world.to_peer_review(numbered(good_descriptor, 84, "Under review"))
    anonymous = api(None)
    ok = anonymous.get(f"/credentials/{with_conditions}/ob3.json").json()
    assert ok["microCredentialFacts"]["qaDecision"] == "approved_with_conditions"
    for file_id in (rejected, under_review, 99999, 99999999999999999999):
        for suffix in (".jsonld", "/ob3.json"):
            refused = anonymous.get(f"/credentials/{file_id}{suffix}")
            assert refused.status_code == 404, (file_id, suffix)
            assert refused.headers["content-type"] == "application/problem+json"
