"""The Annex I descriptor as the reviewer reads it beside the rubric (empty elements left out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa.domain.descriptor_fields import label
from qa.domain.labels import label as words


@dataclass(frozen=True)
class Fact:
    """One descriptor element for the summary: a label and one value or several."""

    label: str
    values: tuple[str, ...]


#: Annex I elements in the order a reviewer reads them (details join their element).
_SUMMARY = (
    "awarding_bodies",
    "issuer_countries",
    "learning_outcomes",
    "workload_ects",
    "eqf_level",
    "assessment_type",
    "participation_form",
    "supervision",
    "learner_identification",
    "qa_type",
    "stackability",
    "prerequisites",
    "grade_scheme",
    "issue_date",
    "language",
    "further_information",
)


def summary_facts(data: dict[str, Any]) -> tuple[Fact, ...]:
    """The Annex I descriptor as label/value pairs, leaving out elements that are empty."""
    facts = []
    for key in _SUMMARY:
        values = tuple(v for v in _values(key, data) if v)
        if values:
            facts.append(Fact(label(key), values))
    return tuple(facts)


def _values(key: str, data: dict[str, Any]) -> tuple[str, ...]:
    value = data.get(key)
    if key == "awarding_bodies":
        return tuple(str(body.get("name", "")) for body in value or ())
    if key == "issuer_countries":
        regions = ", ".join(data.get("issuer_regions") or ())
        return (", ".join(value or ()) + (f" (regions {regions})" if regions else ""),)
    if key == "workload_ects":
        hours = data.get("workload_hours")
        return (f"{_number(value)} ECTS" + (f" ({_number(hours)} hours)" if hours else ""),)
    if key == "eqf_level":
        parts = [f"EQF {value}" if value else "EQF not applicable"]
        if data.get("eqf_not_applicable_reason"):
            parts[0] += f" ({data['eqf_not_applicable_reason']})"
        if data.get("nqf_level"):
            parts.append(str(data["nqf_level"]))
        if data.get("qf_ehea_cycle"):
            parts.append(f"QF-EHEA {_words(data['qf_ehea_cycle'])} cycle")
        return ("; ".join(parts),)
    if key == "assessment_type":
        kinds = ", ".join(words(v) for v in value or ())
        return (kinds, str(data.get("assessment_description") or ""))
    if key == "participation_form":
        return (words(value) + ("; work-based" if data.get("work_based") else ""),)
    if key == "qa_type":
        return (words(value), str(data.get("qa_evidence") or ""))
    if key == "stackability":
        return (words(value), str(data.get("stackability_target") or ""))
    if key == "supervision":
        return (words(value),)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),) if value is not None else ()


def _words(value: object) -> str:
    return str(value or "").replace("_", " ")


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
