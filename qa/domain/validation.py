"""Annex I validation: any raw input in, a `ValidationReport` out (never an exception).

Errors block submission; warnings are recorded and shown (DOMAIN.md §2):
≥ 60 ECTS is "other provision", hours per ECTS outside 25–30, EQF/QF-EHEA mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import ValidationError

from qa.domain.descriptor import Descriptor
from qa.domain.descriptor_fields import FIELDS_BY_KEY, label
from qa.domain.enums import (
    ParticipationForm,
    Supervision,
)
from qa.domain.report import Severity, ValidationReport
from qa.domain.rules_issuer import (
    awarding_bodies,
    countries,
    esco,
    field_of_study,
    further_information,
    language,
    languages,
)
from qa.domain.rules_learning import (
    assessment,
    issue_date,
    level,
    outcomes,
    qa,
    stackability,
    workload,
)
from qa.domain.value_checks import SHORT_TEXT, Checker, describe


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
        "external_id": c.text("external_id", get("external_id"), max_len=64, single_line=True),
        "provider": c.text("provider", get("provider"), max_len=64, single_line=True),
        "learner_identification": c.text(
            "learner_identification",
            get("learner_identification"),
            required=True,
            min_len=3,
            max_len=500,
        ),
        "title": c.text("title", get("title"), required=True, max_len=SHORT_TEXT, single_line=True),
        "title_language": language(c, "title_language", get("title_language")) or "en",
        "learning_outcomes": outcomes(c, get("learning_outcomes")),
        "esco_skills": esco(c, get("esco_skills")),
        "issue_date": issue_date(c, get("issue_date"), today),
        "awarding_bodies": awarding_bodies(c, get("awarding_bodies")),
        "assessment_description": c.text("assessment_description", get("assessment_description")),
        "participation_form": c.choice(
            "participation_form", get("participation_form"), ParticipationForm, required=True
        ),
        "work_based": c.boolean("work_based", get("work_based")),
        "prerequisites": c.text("prerequisites", get("prerequisites")),
        "supervision": c.choice("supervision", get("supervision"), Supervision),
        "grade_scheme": c.text("grade_scheme", get("grade_scheme"), max_len=1_000),
        "nqf_level": c.text("nqf_level", get("nqf_level"), max_len=100, single_line=True),
        "further_information": further_information(c, get("further_information")),
        "field_of_study": field_of_study(c, get("field_of_study")),
        "language": languages(c, get("language")),
    }
    out |= countries(c, get("issuer_countries"), get("issuer_regions"))
    out |= workload(c, get("workload_ects"), get("workload_hours"))
    out |= level(c, get("eqf_level"), get("eqf_not_applicable_reason"), get("qf_ehea_cycle"))
    out["assessment_type"] = assessment(c, get("assessment_type"), out["assessment_description"])
    out |= qa(c, get("qa_type"), get("qa_evidence"))
    out |= stackability(c, get("stackability"), get("stackability_target"))
    return {key: value for key, value in out.items() if value is not None}
