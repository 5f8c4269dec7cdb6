"""Validation messages on the descriptor form: per field, the error summary, inline checks.

The messages are the validator's own (`validate_descriptor`); this module only says where on
the form each one goes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qa.domain.descriptor_form import FORM_FIELDS
from qa.domain.report import Issue, Severity, ValidationReport

#: Fields whose messages depend on each other (a change to one re-checks the others).
RELATED: tuple[frozenset[str], ...] = (
    frozenset({"issuer_countries", "issuer_regions"}),
    frozenset({"workload_ects", "workload_hours"}),
    frozenset({"eqf_level", "eqf_not_applicable_reason", "qf_ehea_cycle"}),
    frozenset({"assessment_type", "assessment_description"}),
    frozenset({"qa_type", "qa_evidence"}),
    frozenset({"stackability", "stackability_target"}),
)


@dataclass(frozen=True)
class FieldMessages:
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def invalid(self) -> bool:
        return bool(self.errors)


@dataclass(frozen=True)
class SummaryItem:
    anchor: str
    label: str
    message: str


def messages_by_field(issues: Iterable[Issue]) -> dict[str, FieldMessages]:
    """Errors and warnings per form field; issues about no form field go under ""."""
    errors: dict[str, list[str]] = {}
    warnings: dict[str, list[str]] = {}
    for issue in issues:
        key = issue.element if issue.element in FORM_FIELDS else ""
        target = errors if issue.severity is Severity.ERROR else warnings
        target.setdefault(key, []).append(issue.message)
    return {
        key: FieldMessages(tuple(errors.get(key, ())), tuple(warnings.get(key, ())))
        for key in errors.keys() | warnings.keys()
    }


def error_summary(report: ValidationReport) -> list[SummaryItem]:
    """Every error, in form order, with the id of the control it is about."""
    order = {key: n for n, key in enumerate(FORM_FIELDS)}
    items = [
        SummaryItem(
            FORM_FIELDS[issue.element].anchor if issue.element in FORM_FIELDS else "",
            FORM_FIELDS[issue.element].label if issue.element in FORM_FIELDS else "Descriptor",
            issue.message,
        )
        for issue in sorted(report.errors, key=lambda i: order.get(i.element, len(order)))
    ]
    return items


def related_to(key: str) -> frozenset[str]:
    """The other fields whose messages can change when `key` changes."""
    found: set[str] = set()
    for group in RELATED:
        if key in group:
            found |= group
    found.discard(key)
    return frozenset(found)


def inline_messages(report: ValidationReport, key: str) -> dict[str, FieldMessages]:
    """Messages for a field just changed and for its related fields.

    Related fields do not get "missing" errors for mandatory elements (the person has not
    reached them yet); their conditional errors ("say why", "give evidence") do show.
    """
    related = related_to(key)
    shown = [
        issue
        for issue in report.issues
        if issue.element == key
        or (
            issue.element in related
            and not (issue.code == "missing" and FORM_FIELDS[issue.element].required)
        )
    ]
    by_field = messages_by_field(shown)
    return {name: by_field.get(name, FieldMessages()) for name in (key, *sorted(related))}
