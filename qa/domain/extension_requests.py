"""A reviewer's request for a later review date: pending until a QA officer answers."""

from __future__ import annotations

from enum import StrEnum


class ExtensionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


def answer_status(approve: bool) -> ExtensionStatus:
    return ExtensionStatus.APPROVED if approve else ExtensionStatus.DECLINED
