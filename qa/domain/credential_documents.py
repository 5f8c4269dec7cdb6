"""Machine-readable descriptions of an approved micro-credential: ELM 3 (Europass) JSON-LD and
an Open Badges 3.0 achievement. Pure functions of the validated descriptor and the decision.

The mapping follows DOMAIN.md §7 and is documented field by field in docs/api.md
("Published micro-credentials"); a test checks every documented row against these outputs.
Open Badges 3.0 has no fields for participation, supervision, QA type, level or
stackability: they go into one extension object, `microCredentialFacts` (declared in the
document's own `@context` as a JSON literal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from qa.domain.descriptor import Descriptor

ELM_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
EQF = "http://data.europa.eu/snb/eqf/{level}"
ESCO_SKILL = "http://data.europa.eu/esco/skill/{id}"
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    {"microCredentialFacts": {"@id": "urn:qa-microcredentials:facts", "@type": "@json"}},
]
DECISION_WORDS = {
    "approved": "Approved",
    "approved_with_conditions": "Approved with conditions",
}


@dataclass(frozen=True)
class PublishedFacts:
    """What the documents say about one approved micro-credential (its decided round)."""

    submission_id: int
    round: int
    descriptor: Descriptor
    provider_name: str
    provider_country: str
    decision: str  # approved | approved_with_conditions
    decided_on: date
    valid_from: date | None
    valid_to: date | None


def _lang(d: Descriptor, text: str) -> dict[str, str]:
    return {d.title_language: text}


def _skill(value: str) -> str:
    """An ESCO skill as its URI (the descriptor holds a URI or the bare UUID)."""
    return value if value.startswith("http") else ESCO_SKILL.format(id=value)


def _hours(hours: float) -> str:
    whole = int(hours)
    return f"PT{whole}H" if whole == hours else f"PT{whole}H{round((hours - whole) * 60)}M"


def elm_document(facts: PublishedFacts, url: str) -> dict[str, Any]:
    """The ELM 3 learning achievement specification (JSON-LD) at `url`."""
    d = facts.descriptor
    skills = [_skill(s) for s in d.esco_skills]
    document: dict[str, Any] = {
        "@context": ELM_CONTEXT,
        "id": url,
        "type": "LearningAchievementSpecification",
        "title": _lang(d, d.title),
        "learningOutcome": [
            {
                "id": f"{url}#outcome-{number}",
                "type": "LearningOutcome",
                "title": _lang(d, outcome),
                "relatedESCOSkill": skills,
            }
            for number, outcome in enumerate(d.learning_outcomes, start=1)
        ],
        "creditPoint": [{"type": "CreditPoint", "framework": ECTS, "point": str(d.workload_ects)}],
        "mode": d.participation_form.value,
        "language": list(d.language),
        "awardedBy": {
            "type": "AwardingProcess",
            "awardingBody": [
                {
                    "type": "Organisation",
                    "legalName": _lang(d, body.name),
                    "identifier": [
                        {"type": "Identifier", "schemeName": i.scheme.value, "notation": i.value}
                        for i in body.identifiers
                    ],
                }
                for body in d.awarding_bodies
            ],
            "location": list(d.issuer_countries),
        },
        "provenBy": [
            {
                "type": "LearningAssessmentSpecification",
                "title": _lang(d, d.assessment_description or "Assessment"),
                "assessmentType": [a.value for a in d.assessment_type],
                "idVerification": d.supervision.value if d.supervision else None,
            }
        ],
        "accreditation": [
            {
                "type": "Accreditation",
                "title": _lang(d, DECISION_WORDS[facts.decision]),
                "decision": facts.decision,
                "qaType": d.qa_type.value,
                "dateIssued": facts.decided_on.isoformat(),
                "validFrom": facts.valid_from.isoformat() if facts.valid_from else None,
                "expiryDate": facts.valid_to.isoformat() if facts.valid_to else None,
            }
        ],
    }
    if d.workload_hours is not None:
        document["volumeOfLearning"] = _hours(d.workload_hours)
    if d.eqf_level is not None:
        document["eqfLevel"] = EQF.format(level=d.eqf_level)
    if d.prerequisites:
        document["entryRequirement"] = _lang(d, d.prerequisites)
    return document


def ob3_achievement(facts: PublishedFacts, url: str) -> dict[str, Any]:
    """The Open Badges 3.0 `Achievement` describing the micro-credential, at `url`."""
    d = facts.descriptor
    alignment: list[dict[str, Any]] = []
    if d.eqf_level is not None:
        alignment.append(
            {
                "type": ["Alignment"],
                "targetName": f"EQF level {d.eqf_level}",
                "targetUrl": EQF.format(level=d.eqf_level),
                "targetFramework": "European Qualifications Framework",
                "targetCode": str(d.eqf_level),
            }
        )
    alignment += [
        {
            "type": ["Alignment"],
            "targetName": f"ESCO skill {s}",
            "targetUrl": _skill(s),
            "targetFramework": "ESCO",
            "targetType": "ceasn:Competency",
        }
        for s in d.esco_skills
    ]
    achievement: dict[str, Any] = {
        "@context": OB3_CONTEXT,
        "id": url,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": d.title,
        "description": "; ".join(d.learning_outcomes),
        "criteria": {"narrative": d.assessment_description or "; ".join(d.learning_outcomes)},
        "creditsAvailable": d.workload_ects,
        "alignment": alignment,
        "creator": {
            "id": f"{url}#creator",
            "type": ["Profile"],
            "name": facts.provider_name,
        },
        "inLanguage": d.title_language,
        "microCredentialFacts": {
            "participationForm": d.participation_form.value,
            "supervision": d.supervision.value if d.supervision else None,
            "qaType": d.qa_type.value,
            "eqfLevel": d.eqf_level,
            "stackability": d.stackability.value if d.stackability else None,
            "qaDecision": facts.decision,
            "decidedOn": facts.decided_on.isoformat(),
        },
    }
    if d.field_of_study:
        achievement["fieldOfStudy"] = d.field_of_study
    if d.external_id:
        achievement["humanCode"] = d.external_id
    return achievement
