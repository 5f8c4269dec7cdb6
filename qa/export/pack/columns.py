"""Code lists and shared column declarations of the pack contract (see contract.py)."""

from __future__ import annotations

from qa.domain.conditions import ConditionStatus
from qa.domain.descriptor_fields import FIELDS, FieldSpec, Kind
from qa.domain.enums import Stage
from qa.domain.reviewer_choice import PANEL_ROLES
from qa.export.pack.spec import Codes, Column, ColumnType, Repeated, code_list, col

CANNOT_JUDGE = "cannot judge"

T = ColumnType
FLAG: Codes = (("yes", "Yes"), ("no", "No"))
DECISION_CODES = code_list(
    ("approved", "approved_with_conditions", "revise_and_resubmit", "rejected")
)
STAGE_CODES = code_list(tuple(s.value for s in Stage))
SHEET_STATUS = code_list(("open", "submitted", "superseded"))
RATER_KINDS = (
    ("self", "The provider's self-assessment"),
    ("peer", "A peer reviewer's score sheet"),
    ("consensus", "The moderated consensus (QA officer), for disputed criteria"),
)
CONSENSUS_LINES = (
    ("self", "The provider's self-assessment levels"),
    ("reviewer", "One peer reviewer's levels (one line per reviewer)"),
    ("consensus", "The moderated consensus levels, where moderation set one"),
    (
        "value",
        "The value the decision rules used: the consensus where set, else the mean of the "
        "reviewers' levels; principle columns hold the principle means the rules compared",
    ),
    ("spread", "Highest minus lowest reviewer level (two or more reviewers judged it)"),
)
SCORE_CODES = (
    ("0", "Not met"),
    ("1", "Partially met"),
    ("2", "Largely met"),
    ("3", "Fully met"),
    (CANNOT_JUDGE, "The rater could not judge it: missing, never counted as 0"),
)
PANEL_CODES = code_list(PANEL_ROLES)
COI_CODES = (
    ("not_asked", "The reviewer was not asked yet"),
    ("none", "The reviewer declared no conflict of interest"),
    ("declared", "The reviewer declared a conflict"),
)
CONDITION_CODES = code_list(tuple(ConditionStatus))
EVIDENCE_KINDS = (
    ("document", "A cited evidence reference"),
    ("no_evidence", "A rater's reason why there is no evidence for a criterion"),
)

# -- shared columns -----------------------------------------------------------------------------

SUBMISSION = col("submission_id", T.INTEGER, "Our identifier of the submission (stable).")
ROUND = col("round", T.INTEGER, "Review round; a revise-and-resubmit decision opens the next one.")
PROVIDER = col("provider", T.TEXT, "Code of the provider institution.")
EXTERNAL_ID = col("external_id", T.TEXT, "The provider's own code for the micro-credential.")
RUBRIC = col("rubric_version", T.TEXT, "Rubric key and version the sheet was scored against.")
REVISION = col("sheet_revision", T.INTEGER, "Revision of the score sheet (the newest is packed).")
STATUS = col("sheet_status", T.CODE, "State of the score sheet.", SHEET_STATUS)
SUBMITTED_AT = col("submitted_at", T.DATETIME, "When the sheet was submitted.")
CORRECTION = col("correction_reason", T.TEXT, "Why this revision replaced an earlier one.")
PERSON = "a per-pack pseudonym (see README) unless the pack names people"
CRITERION_SCORES = Repeated(
    "<criterion>", T.SCORE, "The level given for the criterion with this id.", "criterion"
)


def _descriptor_type(spec: FieldSpec) -> ColumnType:
    return {
        Kind.TEXT: T.TEXT,
        Kind.TEXT_LIST: T.LIST,
        Kind.CHOICE: T.CODE,
        Kind.CHOICE_LIST: T.LIST,
        Kind.NUMBER: T.DECIMAL,
        Kind.INTEGER_OR_NA: T.CODE,
        Kind.DATE: T.DATE,
        Kind.BOOLEAN: T.FLAG,
        Kind.BODIES: T.LIST,
    }[spec.kind]


def _descriptor_columns() -> tuple[Column, ...]:
    """One column per Annex I element (the catalogue-import keys), a label column per coded one."""
    columns: list[Column] = []
    for spec in FIELDS:
        codes: Codes
        if spec.kind is Kind.BOOLEAN:
            codes = FLAG
        elif spec.kind is Kind.INTEGER_OR_NA:
            codes = tuple(
                (c, "Not applicable" if c == "not_applicable" else f"EQF level {c}")
                for c in spec.choices
            )
        else:
            codes = code_list(spec.choices)
        columns.append(col(spec.key, _descriptor_type(spec), f"{spec.label}. {spec.help}", codes))
        if spec.kind in (Kind.CHOICE, Kind.CHOICE_LIST):
            columns.append(col(f"{spec.key}_label", T.TEXT, f"{spec.label}, in words."))
    return tuple(columns)


DESCRIPTOR_COLUMNS = _descriptor_columns()
