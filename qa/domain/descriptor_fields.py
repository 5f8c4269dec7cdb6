"""The descriptor's elements as data: one spec per key, shared by validation, import and templates.

The keys are the column headings of a catalogue spreadsheet (DOMAIN.md §2); repeatable
elements hold several values separated by ``;`` in a cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from qa.domain.enums import (
    AssessmentType,
    IdentifierScheme,
    ParticipationForm,
    QaType,
    QfEheaCycle,
    Stackability,
    Supervision,
)


class Kind(StrEnum):
    TEXT = "text"
    TEXT_LIST = "text_list"
    CHOICE = "choice"
    CHOICE_LIST = "choice_list"
    NUMBER = "number"
    INTEGER_OR_NA = "integer_or_not_applicable"
    DATE = "date"
    BOOLEAN = "boolean"
    BODIES = "awarding_bodies"


class Group(StrEnum):
    MANDATORY = "Annex I mandatory"
    OPTIONAL = "Annex I optional"
    DETAIL = "Detail of an Annex I element"
    EXTRA = "Catalogue information"


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    group: Group
    kind: Kind
    help: str
    example: str
    choices: tuple[str, ...] = ()

    @property
    def mandatory(self) -> bool:
        return self.group is Group.MANDATORY

    @property
    def repeatable(self) -> bool:
        return self.kind in (Kind.TEXT_LIST, Kind.CHOICE_LIST, Kind.BODIES)


def _values(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


EQF_CHOICES = (*(str(level) for level in range(1, 9)), "not_applicable")

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "external_id",
        "Provider's own code",
        Group.EXTRA,
        Kind.TEXT,
        "Your code for this micro-credential; the key that makes re-imports update, "
        "not duplicate. Up to 64 characters.",
        "IPVN-MC-2027-014",
    ),
    FieldSpec(
        "provider",
        "Provider",
        Group.EXTRA,
        Kind.TEXT,
        "Code of the institution submitting the micro-credential, as registered here.",
        "PT-IPVN",
    ),
    FieldSpec(
        "learner_identification",
        "Identification of the learner",
        Group.MANDATORY,
        Kind.TEXT,
        "How learners are identified on the issued credential (the scheme, not a person).",
        "Student number and national ID checked at enrolment",
    ),
    FieldSpec(
        "title",
        "Title of the micro-credential",
        Group.MANDATORY,
        Kind.TEXT,
        "1 to 255 characters, in the language given by title_language.",
        "Applied Data Analysis with Python",
    ),
    FieldSpec(
        "title_language",
        "Language of the title",
        Group.DETAIL,
        Kind.TEXT,
        "BCP 47 language tag of the title; en when empty.",
        "en",
    ),
    FieldSpec(
        "issuer_countries",
        "Country(ies)/region(s) of the issuer",
        Group.MANDATORY,
        Kind.TEXT_LIST,
        "ISO 3166-1 alpha-2 codes (alpha-3 accepted and converted), separated by ;.",
        "PT; ES",
    ),
    FieldSpec(
        "issuer_regions",
        "Region(s) of the issuer",
        Group.DETAIL,
        Kind.TEXT_LIST,
        "Optional NUTS codes of the issuer's region(s), separated by ;.",
        "PT11",
    ),
    FieldSpec(
        "awarding_bodies",
        "Awarding body(ies)",
        Group.MANDATORY,
        Kind.BODIES,
        "Legal name followed by identifiers in brackets as scheme:value; bodies separated "
        "by ;. Schemes: " + ", ".join(_values(IdentifierScheme)) + ".",
        "Instituto Politécnico de Viana Norte [erasmus:P  VIANA01, pic:912345678]",
    ),
    FieldSpec(
        "issue_date",
        "Date of issuing",
        Group.MANDATORY,
        Kind.DATE,
        "First planned issue date, as YYYY-MM-DD (or an Excel date).",
        "2027-02-01",
    ),
    FieldSpec(
        "learning_outcomes",
        "Learning outcomes",
        Group.MANDATORY,
        Kind.TEXT_LIST,
        "What the learner knows, understands and is able to do; at least 10 characters "
        "each, separated by ;.",
        "The learner can clean and join tabular data; The learner can explain a model",
    ),
    FieldSpec(
        "esco_skills",
        "ESCO skills",
        Group.DETAIL,
        Kind.TEXT_LIST,
        "Optional ESCO skill URIs (http://data.europa.eu/esco/skill/<uuid>), separated by ;.",
        "http://data.europa.eu/esco/skill/<uuid>",
    ),
    FieldSpec(
        "workload_ects",
        "Notional workload (ECTS)",
        Group.MANDATORY,
        Kind.NUMBER,
        "ECTS credits, more than 0, with a decimal point (0.5). 60 or more is flagged as "
        "'other provision'.",
        "5",
    ),
    FieldSpec(
        "workload_hours",
        "Notional workload (hours)",
        Group.DETAIL,
        Kind.NUMBER,
        "Optional hours of learning; ECTS expects 25-30 hours per credit.",
        "135",
    ),
    FieldSpec(
        "eqf_level",
        "Level (EQF)",
        Group.MANDATORY,
        Kind.INTEGER_OR_NA,
        "EQF level 1-8, or not_applicable with a reason in eqf_not_applicable_reason.",
        "6",
        EQF_CHOICES,
    ),
    FieldSpec(
        "eqf_not_applicable_reason",
        "Why no EQF level applies",
        Group.DETAIL,
        Kind.TEXT,
        "Required when eqf_level is not_applicable.",
        "",
    ),
    FieldSpec(
        "qf_ehea_cycle",
        "Cycle (QF-EHEA)",
        Group.DETAIL,
        Kind.CHOICE,
        "Optional; short, first, second or third, matching EQF 5, 6, 7 or 8.",
        "first",
        _values(QfEheaCycle),
    ),
    FieldSpec(
        "nqf_level",
        "Level (NQF)",
        Group.DETAIL,
        Kind.TEXT,
        "Optional national qualifications framework level, free text.",
        "NQF 6 (PT)",
    ),
    FieldSpec(
        "assessment_type",
        "Type of assessment",
        Group.MANDATORY,
        Kind.CHOICE_LIST,
        "One or more of the listed types, separated by ;. Attendance alone is not assessment.",
        "project; oral_exam",
        _values(AssessmentType),
    ),
    FieldSpec(
        "assessment_description",
        "Assessment in brief",
        Group.DETAIL,
        Kind.TEXT,
        "Free text; required when the type is other.",
        "Individual data project defended orally",
    ),
    FieldSpec(
        "participation_form",
        "Form of participation",
        Group.MANDATORY,
        Kind.CHOICE,
        "online, onsite or blended.",
        "blended",
        _values(ParticipationForm),
    ),
    FieldSpec(
        "work_based",
        "Work-based learning",
        Group.DETAIL,
        Kind.BOOLEAN,
        "yes when part of the learning takes place at work; no or empty otherwise.",
        "no",
        ("yes", "no"),
    ),
    FieldSpec(
        "qa_type",
        "Type of quality assurance",
        Group.MANDATORY,
        Kind.CHOICE,
        "internal, external or internal_and_external.",
        "internal_and_external",
        _values(QaType),
    ),
    FieldSpec(
        "qa_evidence",
        "Quality assurance evidence",
        Group.DETAIL,
        Kind.TEXT,
        "Required when QA is external: DEQAR report id or URL, or the accreditation decision.",
        "Accreditation decision ACEF/2324/0012 of 2024-03-12",
    ),
    FieldSpec(
        "prerequisites",
        "Prerequisites to enrol",
        Group.OPTIONAL,
        Kind.TEXT,
        "Optional, free text.",
        "Basic spreadsheet skills",
    ),
    FieldSpec(
        "supervision",
        "Supervision and identity verification",
        Group.OPTIONAL,
        Kind.CHOICE,
        "Optional; how assessment is supervised and identity checked.",
        "supervised_with_id_check_onsite",
        _values(Supervision),
    ),
    FieldSpec(
        "grade_scheme",
        "Grade achieved / grading scheme",
        Group.OPTIONAL,
        Kind.TEXT,
        "Optional, free text.",
        "0-20, pass at 10",
    ),
    FieldSpec(
        "stackability",
        "Integration / stackability options",
        Group.OPTIONAL,
        Kind.CHOICE,
        "Optional; stand_alone or stackable (then name the target).",
        "stackable",
        _values(Stackability),
    ),
    FieldSpec(
        "stackability_target",
        "Credential it stacks into",
        Group.DETAIL,
        Kind.TEXT,
        "Required when stackable.",
        "Postgraduate Certificate in Data Science (30 ECTS)",
    ),
    FieldSpec(
        "further_information",
        "Further information",
        Group.OPTIONAL,
        Kind.TEXT,
        "Optional text or URL.",
        "https://example.org/mc/data-analysis",
    ),
    FieldSpec(
        "field_of_study",
        "Field of study (ISCED-F 2013)",
        Group.EXTRA,
        Kind.TEXT,
        "Optional ISCED-F 2013 code, 2 to 4 digits.",
        "0613",
    ),
    FieldSpec(
        "language",
        "Language(s) of instruction",
        Group.EXTRA,
        Kind.TEXT_LIST,
        "Optional BCP 47 tags separated by ;.",
        "en; pt",
    ),
)

FIELDS_BY_KEY: dict[str, FieldSpec] = {spec.key: spec for spec in FIELDS}
MANDATORY_KEYS: tuple[str, ...] = tuple(spec.key for spec in FIELDS if spec.mandatory)
OPTIONAL_ANNEX_KEYS: tuple[str, ...] = tuple(
    spec.key for spec in FIELDS if spec.group is Group.OPTIONAL
)


def label(key: str) -> str:
    """The element's human name, or the key itself for unknown keys."""
    spec = FIELDS_BY_KEY.get(key)
    return spec.label if spec else key
