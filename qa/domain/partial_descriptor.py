"""A draft descriptor that is well formed but not yet complete.

"Save draft" keeps whatever the provider has filled in: only values that are malformed (a
date that is no date, text where a number goes, an unknown code) stop a save. Whether every
required Annex I element is there is checked when the provider submits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qa.domain.report import Issue, ValidationReport

UNTITLED = "Untitled draft"
#: Error codes that say something is still to be given, not that a given value is malformed.
INCOMPLETE_CODES = frozenset({"missing", "no_identifier", "too_short"})


def format_errors(report: ValidationReport) -> tuple[Issue, ...]:
    """The errors that stop a draft from being saved (the rest wait for submission)."""
    return tuple(issue for issue in report.errors if issue.code not in INCOMPLETE_CODES)


def draft_report(report: ValidationReport) -> ValidationReport:
    """What a refused draft save shows: the format errors and the warnings, nothing missing."""
    shown = tuple(i for i in report.issues if i.code not in INCOMPLETE_CODES)
    return ValidationReport(shown, report.descriptor)


@dataclass(frozen=True)
class PartialDescriptor:
    """The raw values of an incomplete draft, stored as typed (each one well formed).

    It offers what a stored draft needs of a `Descriptor`: its JSON form, a content hash
    and the columns lists show (title, code, EQF level).
    """

    data: Mapping[str, Any]

    @property
    def title(self) -> str:
        title = self.data.get("title")
        return title.strip() if isinstance(title, str) and title.strip() else UNTITLED

    @property
    def external_id(self) -> str | None:
        code = self.data.get("external_id")
        return code.strip() if isinstance(code, str) and code.strip() else None

    @property
    def eqf_level(self) -> int | None:
        level = str(self.data.get("eqf_level", "")).strip()
        return int(level) if level.isdigit() and 1 <= int(level) <= 8 else None

    def model_dump(self, mode: str = "json") -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.canonical_json())
        return loaded

    def canonical_json(self) -> str:
        return json.dumps(self.data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
