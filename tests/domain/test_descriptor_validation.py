"""Annex I validation (DOMAIN.md §2): every element rule, good and bad, table-driven."""

from __future__ import annotations

import copy
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Final

import pytest

from qa.domain.descriptor_fields import FIELDS_BY_KEY, MANDATORY_KEYS
from qa.domain.report import Issue, Severity, ValidationReport
from qa.domain.validation import validate_descriptor

Raw = dict[str, Any]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()  # a `with_` value that removes the key
MB10: Final = 10 * 1024 * 1024
MANDATORY: Final = (
    "learner_identification", "title", "issuer_countries", "awarding_bodies", "issue_date",
    "learning_outcomes", "workload_ects", "eqf_level", "assessment_type", "participation_form",
    "qa_type",
)  # fmt: skip
LISTS: Final = ("issuer_countries", "awarding_bodies", "learning_outcomes", "assessment_type")
ESCO: Final = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"
NA: Final = {"eqf_level": "not_applicable", "eqf_not_applicable_reason": "A CPD course"}


def with_(good: Raw, **changes: object) -> Raw:
    """A deep copy of `good` with keys replaced (or removed when the value is ABSENT)."""
    raw = copy.deepcopy(good)
    for key, value in changes.items():
        if value is ABSENT:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def body(*identifiers: tuple[object, object], name: object = "Escola Superior") -> list[Raw]:
    """Awarding bodies: one organisation with (scheme, value) identifiers."""
    return [{"name": name, "identifiers": [{"scheme": s, "value": v} for s, v in identifiers]}]


def assert_issue(
    report: ValidationReport, element: str, code: str, severity: Severity = Severity.ERROR
) -> Issue:
    wanted = (element, code, severity)
    found = [i for i in report.issues if (i.element, i.code, i.severity) == wanted]
    assert found, f"expected {severity} {element}/{code}, got {report.issues}"
    assert found[0].message.strip(), "every issue explains itself in words"
    return found[0]


def case(key: str, value: object, *expected: object, also: Raw | None = None,
         id_: str = "") -> Any:  # fmt: skip
    """One table row: set `key` to `value` (plus `also`), then expect `expected`."""
    row_id = id_ or f"{key}={value!r}"
    for noise in ("'name': 'Escola Superior', ", "'identifiers': ", "'scheme': ", "'value': "):
        row_id = row_id.replace(noise, "")
    return pytest.param({key: value} | (also or {}), *expected, id=row_id[:60])


def ok(key: str, value: object, expected: object, attribute: str = "", **kw: Any) -> Any:
    """A row for a valid variant: the descriptor's `attribute` (default: the key) == expected."""
    return case(key, value, attribute or key, expected, **kw)


def err(key: str, value: object, code: str, words: str, element: str = "", **kw: Any) -> Any:
    """A row for an issue: `element` (default: the changed key), `code`, words in the message."""
    return case(key, value, element or key, code, words, **kw)


# -- good input, and what it is normalised to (attribute defaults to the changed key) ----------

VALID = [
    pytest.param({}, "title", "Applied Data Analysis with Python", id="fixture-as-is"),
    ok("issuer_countries", ["PRT"], ("PT",)),
    ok("issuer_countries", ["EL"], ("GR",), also={"issuer_regions": ["EL30"]}),
    ok("issuer_countries", ["Portugal"], ("PT",)),
    ok("issuer_countries", ["pt", "PRT", " Portugal "], ("PT",)),
    ok("issuer_countries", "pt", ("PT",)),
    ok("issuer_regions", ["pt11"], ("PT11",)),
    ok("workload_ects", "2.5", 2.5),
    ok("workload_ects", 0.5, 0.5),
    ok("workload_ects", Decimal("2.5"), 2.5),
    ok("workload_ects", " 5 ", 5.0),
    ok("workload_hours", ABSENT, None),
    ok("eqf_level", "6", 6),
    ok("eqf_level", 6.0, 6),
    ok("eqf_level", "not_applicable", None, also=NA | {"qf_ehea_cycle": ABSENT}),
    ok("eqf_level", "N/A", None, also={"eqf_not_applicable_reason": "A CPD course"}),
    ok("eqf_level", 4, 4, also={"qf_ehea_cycle": ABSENT}),
    ok("qf_ehea_cycle", " Second", "second", also={"eqf_level": 7}),
    ok("assessment_type", "Written exam", ("written_exam",)),
    ok("assessment_type", ["PROJECT", "project", "oral-exam"], ("project", "oral_exam")),
    ok("assessment_type", "other", ("other",)),
    ok("participation_form", " Online ", "online"),
    ok("work_based", "yes", True),
    ok("work_based", "Não", False),
    ok("work_based", 1, True),
    ok("qa_type", "internal", "internal", also={"qa_evidence": ABSENT}),
    ok("qa_type", "Internal and external", "internal_and_external"),
    ok("supervision", "Supervised with ID check online", "supervised_with_id_check_online"),
    ok("stackability", "stand-alone", "stand_alone", also={"stackability_target": ABSENT}),
    ok("learning_outcomes", "  The learner can plot data  ", ("The learner can plot data",)),
    ok("issue_date", date(2027, 2, 1), date(2027, 2, 1)),
    ok("issue_date", datetime(2027, 2, 1, 9, 30, tzinfo=UTC), date(2027, 2, 1)),
    ok("issue_date", "2031-11-28", date(2031, 11, 28)),
    ok("title", "T" * 255, "T" * 255),
    ok("title_language", "PT", "pt"),
    ok("language", "EN-gb", ("en-GB",)),
    ok("external_id", 2027, "2027"),
    ok("field_of_study", "06", "06"),
    ok("esco_skills", [ESCO], (ESCO,)),
    ok("further_information", "https://www.ipvn.pt/mc/1", "https://www.ipvn.pt/mc/1"),
    ok("further_information", "Ask the registry", "Ask the registry"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "attribute", "expected"), VALID)
def test_valid_variant(
    good_descriptor: Raw, today: date, changes: Raw, attribute: str, expected: object
) -> None:
    report = validate_descriptor(with_(good_descriptor, **changes), today=today)
    assert report.ok, report.errors
    assert not report.errors
    assert getattr(report.descriptor, attribute) == expected


@pytest.mark.parametrize(("scheme", "value"), [
    ("pic", "949731265"), ("VAT", "PT501234567"), ("ror", "https://ror.org/03yrm5c26"),
    ("ror", "03yrm5c26"), ("deqar", "DEQARINST0123"), ("erasmus", "E  MADRID03"),
    ("national", "NIPC 501234567"), ("eidas", "PT/ES/123"),
])  # fmt: skip
def test_identifier_schemes(good_descriptor: Raw, today: date, scheme: str, value: str) -> None:
    raw = with_(good_descriptor, awarding_bodies=body((scheme, value)))
    descriptor = validate_descriptor(raw, today=today).descriptor
    assert descriptor is not None
    assert descriptor.awarding_bodies[0].as_cell() == f"Escola Superior [{scheme.lower()}:{value}]"


def test_normalised_output(good_descriptor: Raw, today: date) -> None:
    outcomes = [" The learner can clean data ", "", "The learner can plot"]
    raw = with_(good_descriptor, issuer_countries=["prt", "es"], issuer_regions=["pt11", "ES30"],
                assessment_type="Written exam", participation_form="ONLINE",
                learning_outcomes=outcomes)  # fmt: skip
    descriptor = validate_descriptor(raw, today=today).descriptor
    assert descriptor is not None
    assert descriptor.issuer_countries == ("PT", "ES")
    assert descriptor.issuer_regions == ("PT11", "ES30")
    assert descriptor.assessment_type == ("written_exam",)
    assert descriptor.participation_form.value == "online"
    assert descriptor.learning_outcomes == ("The learner can clean data", "The learner can plot")


def test_content_hash_is_stable_and_follows_the_title(good_descriptor: Raw, today: date) -> None:
    def digest(raw: Raw) -> str:
        descriptor = validate_descriptor(raw, today=today).descriptor
        assert descriptor is not None
        return descriptor.content_hash()

    first = digest(good_descriptor)
    assert digest(copy.deepcopy(good_descriptor)) == first
    assert digest(dict(reversed(good_descriptor.items()))) == first
    assert digest(with_(good_descriptor, issuer_countries=["PRT"])) == first
    assert digest(with_(good_descriptor, title="Applied Data Analysis with R")) != first


# -- missing mandatory elements ----------------------------------------------------------------


def test_the_eleven_mandatory_elements_are_the_annex_i_list() -> None:
    assert set(MANDATORY_KEYS) == set(MANDATORY)


@pytest.mark.parametrize("blank", [None, "", "   ", ABSENT], ids=repr)
@pytest.mark.parametrize("key", MANDATORY)
def test_missing_element(good_descriptor: Raw, today: date, key: str, blank: object) -> None:
    report = validate_descriptor(with_(good_descriptor, **{key: blank}), today=today)
    assert not report.ok
    issue = assert_issue(report, key, "missing")
    assert report.missing_elements == (key,)
    assert issue.message == f"Missing: {FIELDS_BY_KEY[key].label}."


@pytest.mark.parametrize("key", MANDATORY)
def test_empty_list_for_a_mandatory_element(good_descriptor: Raw, today: date, key: str) -> None:
    """An empty list is as missing as an empty cell, whatever the element's type."""
    report = validate_descriptor(with_(good_descriptor, **{key: []}), today=today)
    assert not report.ok
    assert [i.element for i in report.errors] == [key]
    assert report.missing_elements == (key,)


# -- errors: element, code and a message that names the problem (element defaults to key) -----

ERRORS = [
    err("title", {"en": "Data"}, "type", "must be text"),
    err("title", "T" * 256, "too_long", "256 characters; at most 255", id_="title-256-chars"),
    err("title", "Data\x00Analysis", "control_chars", "invisible control characters"),
    err("title", "Data\x1b[31m", "control_chars", "remove them"),
    err("title_language", "english", "unknown_language", "a language code such as en, pt"),
    err("learner_identification", "ID", "too_short", "at least 3"),
    err("external_id", "X" * 65, "too_long", "at most 64", id_="external-id-65-chars"),
    err("prerequisites", ["a"], "type", "must be text"),
    err("issuer_countries", ["Atlantis"], "unknown_country", "'Atlantis' is not a country we know"),
    err("issuer_countries", ["XX"], "unknown_country", "'XX' is not a country we know"),
    err("issuer_countries", [1, 2], "type", "must hold text values"),
    err("issuer_countries", {"PT": 1}, "type", "list of values"),
    err("issuer_regions", ["LISBON"], "bad_nuts", "not a NUTS code"),
    err("awarding_bodies", "IPVN", "type", "list of organisations"),
    err("awarding_bodies", ["IPVN"], "type", "name and identifiers"),
    err("awarding_bodies", [{"name": "IPVN"}], "no_identifier", "at least one identifier"),
    err("awarding_bodies", body(("pic", "949731265"), name=""), "missing", "legal name"),
    err("awarding_bodies", body(("pic", "12")), "bad_identifier", "pic '12' should be nine digits"),
    err("awarding_bodies", body(("vat", "501234567")), "bad_identifier", "country prefix"),
    err("awarding_bodies", body(("ror", "ror.org/xyz")), "bad_identifier", "a ROR id"),
    err("awarding_bodies", body(("deqar", "1234")), "bad_identifier", "DEQARINST"),
    err("awarding_bodies", body(("duns", "123")), "unknown_choice", "'duns' is not one of"),
    err("awarding_bodies", body(("pic", None)), "incomplete_identifier", "scheme and a value"),
    err("awarding_bodies", body((None, "949731265")), "incomplete_identifier", "scheme"),
    err("issue_date", "2027-02-30", "bad_date", "not a real calendar date"),
    err("issue_date", "01/02/2027", "bad_date", "written year-month-day"),
    err("issue_date", 20270201, "bad_date", "not 20270201"),
    err("issue_date", "2040-01-01", "far_future", "more than 5 years ahead"),
    err("issue_date", date(2040, 1, 1), "far_future", "2040-01-01 is more than 5 years"),
    err("learning_outcomes", ["Knows SQL"], "too_short", "at least 10 characters"),
    err("learning_outcomes", ["The learner can plot data", {}], "type", "text values"),
    err("learning_outcomes", ["Learns it well"] * 51, "too_many", "at most 50", id_="51"),
    err("esco_skills", ["http://data.europa.eu/esco/skill/py"], "bad_uri", "not an ESCO skill"),
    err("workload_ects", "0,5", "decimal_comma", "write it with a decimal point: 0.5"),
    err("workload_ects", -1, "not_positive", "more than 0 ECTS, not -1"),
    err("workload_ects", "-1", "not_positive", "more than 0"),
    err("workload_ects", 0, "not_positive", "more than 0"),
    err("workload_ects", "abc", "not_number", "such as 5 or 2.5, not 'abc'"),
    err("workload_ects", float("nan"), "not_number", "finite number"),
    err("workload_ects", float("-inf"), "not_number", "finite number"),
    err("workload_ects", 400, "too_large", "more than 360"),
    err("workload_ects", 1.234, "precision", "more than two decimals"),
    err("workload_ects", True, "type", "must be a number, not true"),
    err("workload_hours", 0, "out_of_range", "between 0 and 10,000"),
    err("eqf_level", "Level 6", "bad_level", "not 'Level 6'"),
    err("eqf_level", 0, "bad_level", "from 1 to 8"),
    err("eqf_level", 9, "bad_level", "not 9"),
    err("eqf_level", True, "bad_level", "not true"),
    err("eqf_level", "six", "bad_level", "whole number"),
    err("eqf_level", 6.5, "bad_level", "not 6.5"),
    err("eqf_level", "not_applicable", "missing", "why no EQF", "eqf_not_applicable_reason"),
    err("qf_ehea_cycle", "bachelor", "unknown_choice", "short, first, second or third"),
    err("assessment_type", "attendance", "attendance_only", "Attendance is not assessment"),
    err("assessment_type", ["written_exam", "Attendance only"], "attendance_only", "must assess"),
    err("assessment_type", "quiz", "unknown_choice", "'quiz' is not one of"),
    err("assessment_type", "other", "missing", "type is other", "assessment_description",
        also={"assessment_description": ABSENT}),
    err("participation_form", ["online"], "type", "online, onsite or blended, not a list"),
    err("participation_form", "hybrid", "unknown_choice", "'hybrid' is not one of"),
    err("work_based", "maybe", "not_boolean", "yes or no, not 'maybe'"),
    err("qa_type", "external", "missing", "needs evidence", "qa_evidence",
        also={"qa_evidence": ABSENT}),
    err("qa_type", "accredited", "unknown_choice", "'accredited' is not one of"),
    err("supervision", "proctored", "unknown_choice", "'proctored' is not one of"),
    err("stackability_target", ABSENT, "missing", "stacks into", id_="stackable-no-target"),
    err("stackability", "Maybe", "unknown_choice", "stand alone or stackable"),
    err("field_of_study", "6130", "bad_isced", "'6130' is not an ISCED-F 2013 code"),
    err("field_of_study", "ab", "bad_isced", "2 to 4 digits"),
    err("field_of_study", "06²", "bad_isced", "ISCED-F"),
    err("language", ["en", "english"], "unknown_language", "'english' is not a language we know"),
    err("further_information", "https://", "bad_url", "not a valid web address"),
    err("colour", "blue", "unknown_element", "'colour' is not an element"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "element", "code", "words"), ERRORS)
def test_error(
    good_descriptor: Raw, today: date, changes: Raw, element: str, code: str, words: str
) -> None:
    report = validate_descriptor(with_(good_descriptor, **changes), today=today)
    assert not report.ok
    assert report.descriptor is None
    assert words.lower() in assert_issue(report, element, code).message.lower()


@pytest.mark.parametrize("key", ["title", "learning_outcomes"])
def test_ten_megabytes_is_too_long_quickly(good_descriptor: Raw, today: date, key: str) -> None:
    value: object = "x" * MB10 if key == "title" else ["y" * MB10]
    start = time.perf_counter()
    report = validate_descriptor(with_(good_descriptor, **{key: value}), today=today)
    assert time.perf_counter() - start < 1.0
    assert "(10,485,760 characters; at most" in assert_issue(report, key, "too_long").message


@pytest.mark.parametrize("raw", [None, [], "title", 42, [("title", "x")]], ids=repr)
def test_raw_not_a_mapping(today: date, raw: object) -> None:
    report = validate_descriptor(raw, today=today)
    assert not report.ok
    assert "set of named elements" in assert_issue(report, "descriptor", "type").message


def test_messages_use_plain_words(today: date, good_descriptor: Raw) -> None:
    assert validate_descriptor(None, today=today).issues[0].message.endswith("not nothing.")
    odd = validate_descriptor(with_(good_descriptor, title=object()), today=today)
    assert odd.issues[0].message.endswith("must be text, not a value of the wrong kind.")


# -- warnings: recorded and shown, but the descriptor is valid ---------------------------------

WARNINGS = [
    err("workload_ects", 60, "other_provision", "counts this as other provision",
        also={"workload_hours": ABSENT}),
    err("workload_ects", 90, "other_provision", "60 or more", also={"workload_hours": ABSENT}),
    err("workload_ects", 61.5, "other_provision", "61.5 ECTS is 60 or more",
        also={"workload_hours": ABSENT}),
    err("workload_hours", 100, "hours_per_ects", "is 20.0 hours per ECTS; ECTS expects 25-30"),
    err("workload_hours", 175, "hours_per_ects", "175 hours for 5 ECTS is 35.0 hours per ECTS"),
    err("qf_ehea_cycle", "second", "cycle_mismatch", "EQF 7, but the EQF level is 6"),
    err("eqf_level", "not_applicable", "cycle_without_level", "no EQF level", "qf_ehea_cycle",
        also=NA),
    err("issuer_regions", ["ES11"], "region_country", "ES11 is not in the issuer's countries"),
    err("issue_date", date(2015, 11, 29), "long_ago", "more than 10 years ago"),
    err("workload_ects", 60, "other_provision", "60 ECTS is 60 or more", id_="60-ECTS-in-words"),
    err("workload_hours", 100, "hours_per_ects", "100 hours for 5 ECTS", id_="100-hours-in-words"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "element", "code", "words"), WARNINGS)
def test_warning(
    good_descriptor: Raw, today: date, changes: Raw, element: str, code: str, words: str
) -> None:
    report = validate_descriptor(with_(good_descriptor, **changes), today=today)
    assert report.ok, report.errors
    assert words in assert_issue(report, element, code, Severity.WARNING).message


# -- invariants: any input gives a report, never an exception ----------------------------------

ODD: Final[tuple[object, ...]] = (
    None, 0, -1, 1.5, True, [], {}, "", "x" * 300, object(), b"bytes", [None], [{}],
    float("nan"), "\x00", ["\x00"], [[]], {"name": None}, (1, 2), 10**100, Decimal("Infinity"),
)  # fmt: skip


@pytest.mark.parametrize("key", [*FIELDS_BY_KEY, "no_such_element"])
def test_odd_values_never_raise(good_descriptor: Raw, today: date, key: str) -> None:
    for value in ODD:
        report = validate_descriptor(with_(good_descriptor, **{key: value}), today=today)
        assert isinstance(report, ValidationReport)
        assert report.ok == (not report.errors) == (report.descriptor is not None)
        assert all(issue.message.strip() for issue in report.issues)


def test_odd_values_inside_awarding_bodies_never_raise(good_descriptor: Raw, today: date) -> None:
    for value in ODD:
        for bodies in (body((value, "949731265")), body(("pic", value)), body(name=value),
                       [{"name": "IPVN", "identifiers": value}], [value]):  # fmt: skip
            raw = with_(good_descriptor, awarding_bodies=bodies)
            report = validate_descriptor(raw, today=today)
            assert not report.ok
            assert {i.element for i in report.errors} == {"awarding_bodies"}


@pytest.mark.parametrize("changes", [
    case("workload_ects", Decimal("NaN")),
    case("workload_ects", Decimal("sNaN")),
    case("workload_hours", Decimal("NaN")),
    case("eqf_level", "²"),
    case("eqf_level", "1" * 5000, id_="eqf-5000-digits"),
    case("workload_ects", 10**5000, id_="ects-int-5000-digits"),
    case("title", 10**5000, id_="title-int-5000-digits"),
    case("eqf_level", "1" * 4000, id_="eqf-4000-digits"),
    case("workload_ects", Decimal("1e999")),
])  # fmt: skip
def test_pathological_numbers_are_rejected_not_raised(
    good_descriptor: Raw, today: date, changes: Raw
) -> None:
    report = validate_descriptor(with_(good_descriptor, **changes), today=today)
    assert not report.ok
    assert [i.element for i in report.errors] == list(changes)
