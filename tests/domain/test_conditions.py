"""Condition and extension-request statuses: the rules, and no status spelled out elsewhere."""

from __future__ import annotations

import re
from datetime import date

from qa.domain.conditions import ConditionStatus, all_closed, has_report, is_late, is_outstanding
from qa.domain.extension_requests import ExtensionStatus, answer_status
from tests.domain.source_scan import lines_outside_the_domain

C = ConditionStatus
DUE = date(2027, 3, 1)


def test_a_condition_is_outstanding_until_met_or_waived() -> None:
    assert [is_outstanding(s) for s in C] == [True, False, True, False]
    assert is_late(C.OPEN, DUE, date(2027, 3, 2)) and not is_late(C.OPEN, DUE, DUE)
    assert not is_late(C.MET, DUE, date(2027, 3, 2))  # met late is not late any more
    assert has_report(C.OPEN, "the module handbook now names the assessor")
    assert not has_report(C.OPEN, None) and not has_report(C.MET, "evidence kept after met")


def test_the_decision_upgrades_once_every_condition_is_met_or_waived() -> None:
    assert all_closed([C.MET, C.WAIVED, C.MET])
    assert not all_closed([C.MET, C.OPEN])
    assert not all_closed([C.OVERDUE])


def test_an_answer_is_approved_or_declined() -> None:
    assert answer_status(True) is ExtensionStatus.APPROVED
    assert answer_status(False) is ExtensionStatus.DECLINED


#: A condition's or an extension request's status compared with a spelled-out value.
_STATUS_LITERAL = re.compile(
    r"""(Condition|ExtensionRequest|condition|request|\bc|\bx)\.status\)?\s*"""
    r"""(==|!=|in|not in)\s*[(\[]?\s*["']"""
)


def test_no_condition_or_request_status_is_spelled_out_outside_the_domain() -> None:
    found = lines_outside_the_domain(_STATUS_LITERAL)
    assert found == []


def test_the_scan_finds_what_it_is_for() -> None:
    """The pattern is not vacuous: the comparisons this change removed are found."""
    removed = [
        '{% if c.status == "met" %}<span class="tag ok">met</span>',
        '{% if c.status in ("open", "overdue") and view.acts_for_provider %}',
        '        if condition.status == "waived":',
        '            ExtensionRequest.status == "pending",',
        '  {% if x and x.status == "declined" %}',
        '            .where(col(ExtensionRequest.status) == "pending")',
    ]
    assert all(_STATUS_LITERAL.search(line) for line in removed)
