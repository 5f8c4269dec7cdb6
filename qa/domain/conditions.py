"""A decision's conditions: their statuses and the rules read off them.

A condition is *outstanding* while open (or overdue, a code the pack contract keeps for
agencies); it is *closed* once met or waived. A provider's report of it keeps it open with
the evidence on record until a QA officer marks it met. The decision is upgraded to
approved once every condition is closed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum


class ConditionStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    OVERDUE = "overdue"
    WAIVED = "waived"


OUTSTANDING = frozenset({ConditionStatus.OPEN, ConditionStatus.OVERDUE})
CLOSED = frozenset({ConditionStatus.MET, ConditionStatus.WAIVED})


def is_outstanding(status: str) -> bool:
    """Still to be met: the provider may report it, the officer may mark it met."""
    return status in OUTSTANDING


def is_met(status: str) -> bool:
    return status == ConditionStatus.MET


def is_late(status: str, due: date, today: date) -> bool:
    return is_outstanding(status) and due < today


def has_report(status: str, evidence: str | None) -> bool:
    """The provider reported it met and the office has not yet decided."""
    return is_outstanding(status) and bool(evidence)


def all_closed(statuses: Iterable[str]) -> bool:
    """Every condition met or waived: the decision may become approved."""
    return all(status in CLOSED for status in statuses)
