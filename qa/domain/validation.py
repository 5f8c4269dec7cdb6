"""Annex I validation: any raw input in, a `ValidationReport` out (never an exception).

Errors block submission; warnings are recorded and shown (DOMAIN.md §2):
≥ 60 ECTS is "other provision", hours per ECTS outside 25–30, EQF/QF-EHEA mismatch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from qa.domain.descriptor import Descriptor
from qa.domain.descriptor_fields import FIELDS_BY_KEY, label
from qa.domain.enums import (
    CYCLE_EQF,
    AssessmentType,
    IdentifierScheme,
    ParticipationForm,
    QaType,
    QfEheaCycle,
    Stackability,
    Supervision,
)
from qa.domain.report import Issue, Severity, ValidationReport
from qa.domain.value_checks import SHORT_TEXT, Checker, describe, is_blank, plain

OTHER_PROVISION_ECTS = Decimal(60)
MAX_ECTS = Decimal(360)
HOURS_PER_ECTS = (Decimal(25), Decimal(30))
MAX_YEARS_AHEAD = 5
NOT_APPLICABLE = "not_applicable"
_ATTENDANCE = {"attendance", "attendance_only", "participation", "presence"}
_NUTS = re.compile(r"^([A-Z]{2})[0-9A-Z]{1,3}$")
_ESCO = re.compile(
    r"^http://data\.europa\.eu/esco/skill/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)
_ISCED_BROAD = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "99"}
_IDENTIFIER_FORMATS: dict[IdentifierScheme, tuple[re.Pattern[str], str]] = {
    IdentifierScheme.PIC: (re.compile(r"^\d{9}$"), "nine digits"),
    IdentifierScheme.VAT: (
        re.compile(r"^[A-Z]{2}[0-9A-Z+*.]{2,12}$"),
        "a country prefix and 2-12 characters, e.g. PT501234567",
    ),
    IdentifierScheme.ROR: (
        re.compile(r"^(https://ror\.org/)?0[a-z0-9]{6}[0-9]{2}$"),
        "a ROR id such as https://ror.org/03yrm5c26",
    ),
    IdentifierScheme.DEQAR: (re.compile(r"^DEQARINST\d{4,}$"), "DEQARINST followed by digits"),
    IdentifierScheme.ERASMUS: (
        re.compile(r"^[A-Z]{1,3}\s+[A-Z\-]{1,12}\d{2}$"),
        "country letters, city and two digits, e.g. P  VIANA01",
    ),
}


def validate_descriptor(raw: object, *, today: date) -> ValidationReport:
    """Check a raw descriptor (a mapping of DOMAIN.md keys) against the Annex I rules."""
    checker = Checker()
    if not isinstance(raw, Mapping):
        checker.error(
            "descriptor",
            "type",
            f"A descriptor must be a set of named elements, not {describe(raw)}.",
        )
        return ValidationReport(tuple(checker.issues), None)
    for key in raw:
        if key not in FIELDS_BY_KEY:
            checker.error(
                str(key), "unknown_element", f"{describe(key)} is not an element of the descriptor."
            )
    clean = _clean(checker, raw, today)
    errors = [i for i in checker.issues if i.severity is Severity.ERROR]
    if errors:
        return ValidationReport(tuple(checker.issues), None)
    try:
        descriptor = Descriptor.model_validate(clean)
    except ValidationError as exc:  # a rule above missed a case: report it, never crash
        for err in exc.errors():
            element = str(err["loc"][0]) if err["loc"] else "descriptor"
            checker.error(element, "invalid", f"{label(element)}: {err['msg']}.")
        return ValidationReport(tuple(checker.issues), None)
    return ValidationReport(tuple(checker.issues), descriptor)


def _clean(c: Checker, raw: Mapping[Any, Any], today: date) -> dict[str, Any]:
    get = raw.get
    out: dict[str, Any] = {
        "external_id": c.text("external_id", get("external_id"), max_len=64),
        "provider": c.text("provider", get("provider"), max_len=64),
        "learner_identification": c.text(
            "learner_identification",
            get("learner_identification"),
            required=True,
            min_len=3,
            max_len=500,
        ),
        "title": c.text("title", get("title"), required=True, max_len=SHORT_TEXT),
        "title_language": _language(c, "title_language", get("title_language")) or "en",
        "learning_outcomes": _outcomes(c, get("learning_outcomes")),
        "esco_skills": _esco(c, get("esco_skills")),
        "issue_date": _issue_date(c, get("issue_date"), today),
        "awarding_bodies": _awarding_bodies(c, get("awarding_bodies")),
        "assessment_description": c.text("assessment_description", get("assessment_description")),
        "participation_form": c.choice(
            "participation_form", get("participation_form"), ParticipationForm, required=True
        ),
        "work_based": c.boolean("work_based", get("work_based")),
        "prerequisites": c.text("prerequisites", get("prerequisites")),
        "supervision": c.choice("supervision", get("supervision"), Supervision),
        "grade_scheme": c.text("grade_scheme", get("grade_scheme"), max_len=1_000),
        "nqf_level": c.text("nqf_level", get("nqf_level"), max_len=100),
        "further_information": _further_information(c, get("further_information")),
        "field_of_study": _field_of_study(c, get("field_of_study")),
        "language": _languages(c, get("language")),
    }
    out |= _countries(c, get("issuer_countries"), get("issuer_regions"))
    out |= _workload(c, get("workload_ects"), get("workload_hours"))
    out |= _level(c, get("eqf_level"), get("eqf_not_applicable_reason"), get("qf_ehea_cycle"))
    out["assessment_type"] = _assessment(c, get("assessment_type"), out["assessment_description"])
    out |= _qa(c, get("qa_type"), get("qa_evidence"))
    out |= _stackability(c, get("stackability"), get("stackability_target"))
    return {key: value for key, value in out.items() if value is not None}


def _language(c: Checker, key: str, value: object) -> str | None:
    text = c.text(key, value, max_len=35)
    return c.language(key, text) if text else None


def _languages(c: Checker, value: object) -> list[str] | None:
    items = c.text_list("language", value, max_items=10)
    if not items:
        return None
    found = [c.language("language", item) for item in items]
    return [tag for tag in dict.fromkeys(found) if tag]


def _outcomes(c: Checker, value: object) -> list[str] | None:
    items = c.text_list("learning_outcomes", value, required=True, max_items=50)
    if not items:
        return None
    clean = [
        c.text("learning_outcomes", item, min_len=10, max_len=2_000, where=f"no. {n}")
        for n, item in enumerate(items, start=1)
    ]
    return [item for item in clean if item]


def _esco(c: Checker, value: object) -> list[str] | None:
    items = c.text_list("esco_skills", value, max_items=100)
    for item in items or []:
        if not _ESCO.match(item):
            c.error(
                "esco_skills",
                "bad_uri",
                f"{describe(item)} is not an ESCO skill URI "
                "(http://data.europa.eu/esco/skill/<uuid>).",
            )
    return items


def _issue_date(c: Checker, value: object, today: date) -> date | None:
    issued = c.iso_date("issue_date", value, required=True)
    if issued is None:
        return None
    if issued > _years_after(today, MAX_YEARS_AHEAD):
        c.error(
            "issue_date",
            "far_future",
            f"Date of issuing {issued.isoformat()} is more "
            f"than {MAX_YEARS_AHEAD} years ahead; give the first planned issue date.",
        )
        return None
    if issued < _years_after(today, -10):
        c.warn(
            "issue_date",
            "long_ago",
            f"Date of issuing {issued.isoformat()} is more than "
            "10 years ago; for a course descriptor give the first planned issue date.",
        )
    return issued


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _countries(c: Checker, countries: object, regions: object) -> dict[str, Any]:
    codes = c.text_list("issuer_countries", countries, required=True, max_items=30) or []
    found = [c.country("issuer_countries", code) for code in codes]
    clean = [code for code in dict.fromkeys(found) if code]
    nuts = c.text_list("issuer_regions", regions, max_items=30) or []
    clean_nuts: list[str] = []
    for region in nuts:
        match = _NUTS.match(region.upper())
        if not match:
            c.error(
                "issuer_regions",
                "bad_nuts",
                f"{describe(region)} is not a NUTS code "
                "(two letters and up to three characters, e.g. PT11).",
            )
            continue
        prefix = {"EL": "GR", "UK": "GB"}.get(match.group(1), match.group(1))
        if clean and prefix not in clean:
            c.warn(
                "issuer_regions",
                "region_country",
                f"Region {region.upper()} is not in the issuer's countries ({', '.join(clean)}).",
            )
        clean_nuts.append(region.upper())
    return {"issuer_countries": clean or None, "issuer_regions": clean_nuts}


def _awarding_bodies(c: Checker, value: object) -> list[dict[str, Any]] | None:
    key = "awarding_bodies"
    if is_blank(value) or value == []:
        c.missing(key)
        return None
    if not isinstance(value, list | tuple):
        c.error(
            key,
            "type",
            f"Awarding body(ies) must be a list of organisations, not {describe(value)}.",
        )
        return None
    bodies = []
    for n, body in enumerate(value, start=1):
        where = f"no. {n}"
        if not isinstance(body, Mapping):
            c.error(
                key,
                "type",
                f"Awarding body {where} must have a name and identifiers, not {describe(body)}.",
            )
            continue
        name = c.text(
            key,
            body.get("name"),
            required=True,
            min_len=2,
            max_len=SHORT_TEXT,
            where=f"{where}, legal name",
        )
        identifiers = _identifiers(c, body.get("identifiers"), f"{where} ({name or '?'})")
        if name and identifiers:
            bodies.append({"name": name, "identifiers": identifiers})
    return bodies or None


def _identifiers(c: Checker, value: object, where: str) -> list[dict[str, str]] | None:
    key = "awarding_bodies"
    if is_blank(value) or value == [] or not isinstance(value, list | tuple):
        c.error(
            key,
            "no_identifier",
            f"Awarding body {where} needs at least one identifier "
            "(national registration, VAT, eIDAS, Erasmus code, PIC, ROR or DEQAR id).",
        )
        return None
    clean = []
    for item in value:
        entry = item if isinstance(item, Mapping) else {"scheme": item}
        scheme_raw, raw = entry.get("scheme"), entry.get("value")
        if is_blank(scheme_raw) or is_blank(raw):
            c.error(
                key,
                "incomplete_identifier",
                f"Awarding body {where}: each identifier needs a scheme and a value, "
                "e.g. pic:912345678.",
            )
            continue
        scheme = c.choice(key, scheme_raw, IdentifierScheme, where=f" {where}, identifier scheme")
        text = c.text(key, raw, max_len=200, where=f"{where}, identifier")
        if scheme is None or text is None:
            continue
        if scheme in _IDENTIFIER_FORMATS:
            pattern, expected = _IDENTIFIER_FORMATS[scheme]
            if not pattern.match(text):
                c.error(
                    key,
                    "bad_identifier",
                    f"Awarding body {where}: {scheme.value} {describe(text)} should be {expected}.",
                )
                continue
        clean.append({"scheme": scheme.value, "value": text})
    return clean or None


def _workload(c: Checker, ects_raw: object, hours_raw: object) -> dict[str, Any]:
    ects = c.decimal("workload_ects", ects_raw, required=True)
    hours = c.decimal("workload_hours", hours_raw)
    if ects is not None:
        if ects <= 0:
            c.error(
                "workload_ects",
                "not_positive",
                f"Notional workload must be more than 0 ECTS, not {plain(ects)}.",
            )
            ects = None
        elif ects > MAX_ECTS:
            c.error(
                "workload_ects",
                "too_large",
                f"{plain(ects)} ECTS is more than {plain(MAX_ECTS)}; check the value.",
            )
            ects = None
        elif _decimal_places(ects) > 2:
            c.error("workload_ects", "precision", f"{plain(ects)} ECTS has more than two decimals.")
            ects = None
        elif ects >= OTHER_PROVISION_ECTS:
            c.warn(
                "workload_ects",
                "other_provision",
                f"{plain(ects)} ECTS is 60 or more: DEQAR "
                "counts this as other provision, not a micro-credential.",
            )
    if hours is not None and not Decimal(0) < hours <= Decimal(10_000):
        c.error(
            "workload_hours",
            "out_of_range",
            f"Notional workload in hours must be between 0 and 10,000, not {plain(hours)}.",
        )
        hours = None
    if ects is not None and hours is not None:
        per_credit = hours / ects
        low, high = HOURS_PER_ECTS
        if not low <= per_credit <= high:
            c.warn(
                "workload_hours",
                "hours_per_ects",
                f"{plain(hours)} hours for {plain(ects)} ECTS is "
                f"{per_credit:.1f} hours per ECTS; ECTS expects {low}-{high}.",
            )
    return {
        "workload_ects": float(ects) if ects is not None else None,
        "workload_hours": float(hours) if hours is not None else None,
    }


def _decimal_places(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _level(c: Checker, eqf_raw: object, reason_raw: object, cycle_raw: object) -> dict[str, Any]:
    reason = c.text("eqf_not_applicable_reason", reason_raw, max_len=1_000)
    cycle = c.choice("qf_ehea_cycle", cycle_raw, QfEheaCycle)
    out: dict[str, Any] = {"qf_ehea_cycle": cycle, "eqf_not_applicable_reason": reason}
    eqf = _eqf(c, eqf_raw)
    if eqf == NOT_APPLICABLE:
        if reason is None:
            c.error(
                "eqf_not_applicable_reason",
                "missing",
                "Say why no EQF level applies when the level is not_applicable.",
            )
        if cycle is not None:
            c.warn(
                "qf_ehea_cycle",
                "cycle_without_level",
                f"A QF-EHEA cycle ({cycle.value}) is given but the EQF level is not_applicable.",
            )
        return out
    if isinstance(eqf, int):
        out["eqf_level"] = eqf
        if cycle is not None and CYCLE_EQF[cycle] != eqf:
            c.warn(
                "qf_ehea_cycle",
                "cycle_mismatch",
                f"QF-EHEA {cycle.value} cycle "
                f"corresponds to EQF {CYCLE_EQF[cycle]}, but the EQF level is {eqf}.",
            )
    return out


def _eqf(c: Checker, value: object) -> int | str | None:
    key = "eqf_level"
    if is_blank(value):
        c.missing(key)
        return None
    hint = (
        "must be a whole number from 1 to 8 (e.g. 6), or not_applicable with a reason, "
        f"not {describe(value)}."
    )
    if isinstance(value, str):
        token = value.strip().lower().replace(" ", "_")
        if token in {NOT_APPLICABLE, "n/a", "na"}:
            return NOT_APPLICABLE
        if not (token.isascii() and token.isdigit() and len(token) <= 2):
            c.error(key, "bad_level", f"EQF level {hint}")
            return None
        number = int(token)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        c.error(key, "bad_level", f"EQF level {hint}")
        return None
    if not 1 <= number <= 8:
        c.error(key, "bad_level", f"EQF level {hint}")
        return None
    return number


def _assessment(c: Checker, value: object, description: str | None) -> list[str] | None:
    key = "assessment_type"
    items = c.text_list(key, value, required=True, max_items=len(AssessmentType))
    if not items:
        return None
    tokens = [item.strip().lower().replace(" ", "_").replace("-", "_") for item in items]
    if any(token in _ATTENDANCE for token in tokens):
        c.error(
            key,
            "attendance_only",
            "Attendance is not assessment: a micro-credential must "
            "assess its learning outcomes (e.g. written_exam, project, portfolio).",
        )
        return None
    found = [c.choice(key, item, AssessmentType) for item in items]
    clean = [member.value for member in dict.fromkeys(found) if member]
    if AssessmentType.OTHER.value in clean and description is None:
        c.error(
            "assessment_description",
            "missing",
            "Describe the assessment in assessment_description when its type is other.",
        )
    return clean or None


def _qa(c: Checker, qa_raw: object, evidence_raw: object) -> dict[str, Any]:
    qa_type = c.choice("qa_type", qa_raw, QaType, required=True)
    evidence = c.text("qa_evidence", evidence_raw, max_len=2_000)
    if qa_type in (QaType.EXTERNAL, QaType.INTERNAL_AND_EXTERNAL) and evidence is None:
        c.error(
            "qa_evidence",
            "missing",
            "External quality assurance needs evidence: a DEQAR "
            "report id or URL, or the accreditation decision.",
        )
    return {"qa_type": qa_type, "qa_evidence": evidence}


def _stackability(c: Checker, raw: object, target_raw: object) -> dict[str, Any]:
    stackability = c.choice("stackability", raw, Stackability)
    target = c.text("stackability_target", target_raw, max_len=1_000)
    if stackability is Stackability.STACKABLE and target is None:
        c.error(
            "stackability_target",
            "missing",
            "Name the credential this one stacks into when it is stackable.",
        )
    return {"stackability": stackability, "stackability_target": target}


def _further_information(c: Checker, value: object) -> str | None:
    text = c.text("further_information", value, max_len=2_000)
    if text and text.lower().startswith(("http://", "https://")):
        parsed = urlparse(text)
        if not parsed.netloc or " " in text:
            c.error(
                "further_information", "bad_url", f"{describe(text)} is not a valid web address."
            )
            return None
    return text


def _field_of_study(c: Checker, value: object) -> str | None:
    text = c.text("field_of_study", value, max_len=4)
    if text is None:
        return None
    if not (re.fullmatch(r"[0-9]{2,4}", text) and text[:2] in _ISCED_BROAD):
        lost_zero = isinstance(value, int | float) and len(text) in (1, 3)
        hint = (
            " A leading zero was lost: format the cell as text and write 0" + text + "."
            if lost_zero
            else ""
        )
        c.error(
            "field_of_study",
            "bad_isced",
            f"{describe(text)} is not an ISCED-F 2013 code (2 to 4 digits, e.g. 06 or 0613)."
            + hint,
        )
        return None
    return text


def issues_as_text(issues: tuple[Issue, ...]) -> list[str]:
    return [str(issue) for issue in issues]
