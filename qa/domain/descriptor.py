"""The validated, normalised micro-credential descriptor (Annex I standard elements).

Instances are produced only by `qa.domain.validation.validate_descriptor`, which turns any
raw input into either this model or a report of what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

from pydantic import BaseModel, ConfigDict

from qa.domain.enums import (
    AssessmentType,
    IdentifierScheme,
    ParticipationForm,
    QaType,
    QfEheaCycle,
    Stackability,
    Supervision,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Identifier(_Frozen):
    scheme: IdentifierScheme
    value: str


class AwardingBody(_Frozen):
    name: str
    identifiers: tuple[Identifier, ...]

    def as_cell(self) -> str:
        ids = ", ".join(f"{i.scheme.value}:{i.value}" for i in self.identifiers)
        return f"{self.name} [{ids}]"


class Descriptor(_Frozen):
    # Annex I mandatory
    learner_identification: str
    title: str
    title_language: str = "en"
    issuer_countries: tuple[str, ...]
    issuer_regions: tuple[str, ...] = ()
    awarding_bodies: tuple[AwardingBody, ...]
    issue_date: date
    learning_outcomes: tuple[str, ...]
    esco_skills: tuple[str, ...] = ()
    workload_ects: float
    workload_hours: float | None = None
    eqf_level: int | None = None  # None only when not applicable (the validator checks)
    eqf_not_applicable_reason: str | None = None
    qf_ehea_cycle: QfEheaCycle | None = None
    nqf_level: str | None = None
    assessment_type: tuple[AssessmentType, ...]
    assessment_description: str | None = None
    participation_form: ParticipationForm
    work_based: bool = False
    qa_type: QaType
    qa_evidence: str | None = None
    # Annex I optional
    prerequisites: str | None = None
    supervision: Supervision | None = None
    grade_scheme: str | None = None
    stackability: Stackability | None = None
    stackability_target: str | None = None
    further_information: str | None = None
    # catalogue information
    external_id: str | None = None
    provider: str | None = None
    field_of_study: str | None = None
    language: tuple[str, ...] = ()

    def canonical_json(self) -> str:
        """Stable JSON of the content (sorted keys, no whitespace): the basis of the hash."""
        return json.dumps(
            self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON; equal descriptors have equal hashes."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
