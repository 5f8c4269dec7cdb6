"""Annex I rules about the learning: outcomes, date, workload, level, assessment, QA."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from qa.domain.calendar import years_after
from qa.domain.enums import (
    CYCLE_EQF,
    AssessmentType,
    QaType,
    QfEheaCycle,
    Stackability,
)
from qa.domain.value_checks import Checker, describe, is_blank, plain

OTHER_PROVISION_ECTS = Decimal(60)
MAX_ECTS = Decimal(360)
HOURS_PER_ECTS = (Decimal(25), Decimal(30))
MAX_YEARS_AHEAD = 5
NOT_APPLICABLE = "not_applicable"
_ATTENDANCE = {"attendance", "attendance_only", "participation", "presence"}


def outcomes(c: Checker, value: object) -> list[str] | None:
    items = c.text_list("learning_outcomes", value, required=True, max_items=50)
    if not items:
        return None
    clean = [
        c.text("learning_outcomes", item, min_len=10, max_len=2_000, where=f"no. {n}")
        for n, item in enumerate(items, start=1)
    ]
    return [item for item in clean if item]


def issue_date(c: Checker, value: object, today: date) -> date | None:
    issued = c.iso_date("issue_date", value, required=True)
    if issued is None:
        return None
    if issued > years_after(today, MAX_YEARS_AHEAD):
        c.error(
            "issue_date",
            "far_future",
            f"Date of issuing {issued.isoformat()} is more "
            f"than {MAX_YEARS_AHEAD} years ahead; give the first planned issue date.",
        )
        return None
    if issued < years_after(today, -10):
        c.warn(
            "issue_date",
            "long_ago",
            f"Date of issuing {issued.isoformat()} is more than "
            "10 years ago; for a course descriptor give the first planned issue date.",
        )
    return issued


def workload(c: Checker, ects_raw: object, hours_raw: object) -> dict[str, Any]:
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


def level(c: Checker, eqf_raw: object, reason_raw: object, cycle_raw: object) -> dict[str, Any]:
    reason = c.text("eqf_not_applicable_reason", reason_raw, max_len=1_000)
    cycle = c.choice("qf_ehea_cycle", cycle_raw, QfEheaCycle)
    out: dict[str, Any] = {"qf_ehea_cycle": cycle, "eqf_not_applicable_reason": reason}
    eqf = _eqf(c, eqf_raw)
    if eqf == NOT_APPLICABLE:
        if reason is None:
            c.error(
                "eqf_not_applicable_reason",
                "missing",
                "Say why no EQF level applies when the level is “not applicable”.",
            )
        if cycle is not None:
            c.warn(
                "qf_ehea_cycle",
                "cycle_without_level",
                f"A QF-EHEA cycle ({cycle.value}) is given but no EQF level applies.",
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
        "must be a whole number from 1 to 8 (e.g. 6), or “not applicable” with a reason, "
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


def assessment(c: Checker, value: object, description: str | None) -> list[str] | None:
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
            "assess its learning outcomes (e.g. a written exam, a project or a portfolio).",
        )
        return None
    found = [c.choice(key, item, AssessmentType) for item in items]
    clean = [member.value for member in dict.fromkeys(found) if member]
    if AssessmentType.OTHER.value in clean and description is None:
        c.error(
            "assessment_description",
            "missing",
            "Describe the assessment (“Assessment in brief”) when its type is other.",
        )
    return clean or None


def qa(c: Checker, qa_raw: object, evidence_raw: object) -> dict[str, Any]:
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


def stackability(c: Checker, raw: object, target_raw: object) -> dict[str, Any]:
    stackability = c.choice("stackability", raw, Stackability)
    target = c.text("stackability_target", target_raw, max_len=1_000)
    if stackability is Stackability.STACKABLE and target is None:
        c.error(
            "stackability_target",
            "missing",
            "Name the credential this one stacks into when it is stackable.",
        )
    return {"stackability": stackability, "stackability_target": target}
