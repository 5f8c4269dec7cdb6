"""Validation reports: every problem names the element and says why in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.domain.descriptor import Descriptor


class Severity(StrEnum):
    ERROR = "error"  # blocks submission
    WARNING = "warning"  # shown, recorded, does not block


@dataclass(frozen=True)
class Issue:
    element: str
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


@dataclass(frozen=True)
class ValidationReport:
    issues: tuple[Issue, ...]
    descriptor: Descriptor | None

    @property
    def ok(self) -> bool:
        return self.descriptor is not None

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)

    @property
    def missing_elements(self) -> tuple[str, ...]:
        return tuple(i.element for i in self.errors if i.code == "missing")
