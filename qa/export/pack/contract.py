"""The audit pack's contract: every table, column, type and code list (`PACK_FORMAT_VERSION`).

Agencies build their ingestion on this, so a change here is a change of
`PACK_FORMAT_VERSION`: add columns at the end and bump the minor version; rename, remove or
reorder and bump the major version. docs/audit-pack.md and the README sheet are generated
from these declarations (a test keeps the document in step).
"""

from __future__ import annotations

from qa.export.pack.columns import (
    COI_CODES,
    CONDITION_CODES,
    CONSENSUS_LINES,
    CORRECTION,
    CRITERION_SCORES,
    DECISION_CODES,
    DESCRIPTOR_COLUMNS,
    EVIDENCE_KINDS,
    EXTERNAL_ID,
    FLAG,
    PANEL_CODES,
    PERSON,
    PROVIDER,
    RATER_KINDS,
    REVISION,
    ROUND,
    RUBRIC,
    SCORE_CODES,
    STAGE_CODES,
    STATUS,
    SUBMISSION,
    SUBMITTED_AT,
)
from qa.export.pack.deqar_contract import DEQAR
from qa.export.pack.quality_contract import QUALITY_TABLES
from qa.export.pack.spec import ColumnType, Repeated, Table, code_list, col

PACK_FORMAT_VERSION = "1.3"
WORKBOOK = "audit-pack.xlsx"
MANIFEST = "manifest.json"
#: The office's Ed25519 signature (base64) over the exact bytes of manifest.json.
SIGNATURE = "manifest.sig"
CHECKPOINTS = "checkpoints.json"
#: Pack members that are not tables (besides the manifest): name -> what it holds.
OTHER_FILES: tuple[tuple[str, str], ...] = (
    (
        CHECKPOINTS,
        "The signed audit-chain checkpoints made in the pack's period and the one made when "
        "the pack was built: `seq`, `entry_hash`, `at` (UTC), `key_fingerprint`, `signature` "
        "(Ed25519, base64, over the canonical JSON described in `signed_bytes`).",
    ),
)

T = ColumnType

README = Table(
    "README",
    "One line about the pack, a table or a column (the data dictionary).",
    (
        col(
            "section",
            T.CODE,
            "What the line describes.",
            (
                ("pack", "A fact about this pack (format version, filter, time, chain head)"),
                ("table", "A table: what one row is, its row count, where it lives"),
                ("column", "A column of a table: its type, meaning and codes"),
                ("type", "A column type and how its cells look"),
            ),
        ),
        col("name", T.TEXT, "The fact, the table, `Table.column`, or the type."),
        col("type", T.TEXT, "The column's type (column lines); where the table is (table lines)."),
        col("description", T.TEXT, "The value (pack lines) or the meaning."),
        col("codes", T.TEXT, "The code list, as `code = meaning` separated by `; `."),
    ),
    order="pack facts, tables, columns (in contract order), types",
)

CREDENTIALS = Table(
    "Credentials",
    "One decided round of one submission: the Annex I descriptor as decided.",
    (
        SUBMISSION,
        ROUND,
        col("provider_name", T.TEXT, "Name of the provider institution."),
        col("provider_country", T.TEXT, "ISO 3166-1 alpha-2 country of the provider."),
        col("provider_deqar_id", T.TEXT, "DEQAR id of the provider institution, when known."),
        col("decision", T.CODE, "The decision of this round.", DECISION_CODES),
        col("decision_label", T.TEXT, "The decision in words."),
        col("decided_on", T.DATE, "Date (UTC) the decision was first signed."),
        col(
            "stage", T.CODE, "Where the submission is now (a later round may be open).", STAGE_CODES
        ),
        RUBRIC,
        col("descriptor_sha256", T.TEXT, "SHA-256 of the descriptor's canonical JSON."),
        col("warnings", T.LIST, "Validation warnings kept with the descriptor."),
        *DESCRIPTOR_COLUMNS,
    ),
    order="submission_id, round",
)

SELF_ASSESSMENT = Table(
    "SelfAssessment",
    "The provider's self-assessment of one decided round: one column per criterion.",
    (
        SUBMISSION,
        ROUND,
        PROVIDER,
        EXTERNAL_ID,
        RUBRIC,
        REVISION,
        STATUS,
        SUBMITTED_AT,
        col("submitted_by", T.TEXT, f"Who submitted it: {PERSON}."),
        CORRECTION,
    ),
    (CRITERION_SCORES,),
    order="submission_id, round",
)

PEER_SCORES = Table(
    "PeerScores",
    "One peer review of one decided round: one column per criterion.",
    (
        SUBMISSION,
        ROUND,
        PROVIDER,
        EXTERNAL_ID,
        RUBRIC,
        col("reviewer", T.TEXT, f"The reviewer: {PERSON}."),
        col("panel_role", T.CODE, "The reviewer's role on the panel.", PANEL_CODES),
        col("conflict_of_interest", T.CODE, "The reviewer's declaration.", COI_CODES),
        col("coi_text", T.TEXT, "What the reviewer declared, if anything."),
        REVISION,
        STATUS,
        SUBMITTED_AT,
        col("recommendation", T.CODE, "The reviewer's recommended decision.", DECISION_CODES),
        col("summary", T.TEXT, "The reviewer's summary."),
        CORRECTION,
    ),
    (CRITERION_SCORES,),
    order="submission_id, round, assignment (invitation order)",
)

CONSENSUS = Table(
    "Consensus",
    "One line of the score matrix of one decided round (self, each reviewer, consensus, the "
    "value used, spread), one column per criterion and per principle.",
    (
        SUBMISSION,
        ROUND,
        RUBRIC,
        col("line", T.CODE, "What the line holds.", CONSENSUS_LINES),
        col("rater", T.TEXT, f"For reviewer lines, the reviewer: {PERSON}."),
    ),
    (
        Repeated(
            "<criterion>",
            T.DECIMAL,
            "The line's number for the criterion with this id; "
            "levels 0-3 (self, reviewer, consensus), the value used, or the spread.",
            "criterion",
        ),
        Repeated(
            "<principle> mean",
            T.DECIMAL,
            "Mean of the line's levels over the principle's "
            "criteria that have one (self, reviewer, value lines).",
            "principle",
        ),
    ),
    order="submission_id, round, then lines in the order self, reviewers, consensus, value, spread",
)

DECISIONS = Table(
    "Decisions",
    "One signed decision (every revision) of a packed round.",
    (
        SUBMISSION,
        ROUND,
        PROVIDER,
        EXTERNAL_ID,
        col("title", T.TEXT, "Title of the micro-credential."),
        col("decision_id", T.INTEGER, "Our identifier of this decision revision."),
        col("revision", T.INTEGER, "1 for the signed decision, 2+ for corrections."),
        col("current", T.FLAG, "Whether this is the newest revision.", FLAG),
        col("decision", T.CODE, "The decision.", DECISION_CODES),
        col("decision_label", T.TEXT, "The decision in words."),
        col("recommended_decision", T.CODE, "What the scoring rules recommended.", DECISION_CODES),
        col("follows_recommendation", T.FLAG, "Whether the decision is the recommended one.", FLAG),
        col("rationale", T.TEXT, "The signer's rationale (required when departing)."),
        col("recommendation_reasons", T.LIST, "The rules' reasons for the recommendation."),
        col("overall_mean", T.DECIMAL, "Mean of the principle means the rules used."),
        col("must_pass_failures", T.LIST, "Must-pass criteria below the pass threshold."),
        col("zeros", T.LIST, "Other criteria whose value is effectively 0."),
        col("signer", T.TEXT, f"Who signed: {PERSON}."),
        col("signer_role", T.LIST, "The signer's roles.", code_list(("officer", "admin"))),
        col("signed_at", T.DATETIME, "When this revision was signed."),
        col("decided_on", T.DATE, "Date (UTC) the decision was first signed: the pack filter."),
        col("valid_from", T.DATE, "Start of validity (positive decisions)."),
        col("valid_to", T.DATE, "End of validity (positive decisions)."),
        col("conditions", T.INTEGER, "Number of conditions set with this revision."),
        col("supersedes_decision_id", T.INTEGER, "The revision this one corrects."),
        CORRECTION,
    ),
    order="submission_id, round, revision",
)

CONDITIONS = Table(
    "Conditions",
    "One condition of an approval with conditions.",
    (
        SUBMISSION,
        ROUND,
        col("decision_id", T.INTEGER, "The decision revision that set it."),
        col("condition_id", T.INTEGER, "Our identifier of the condition."),
        col("text", T.TEXT, "What must be done."),
        col("owner", T.TEXT, "Who (a body or office) owns it."),
        col("due_date", T.DATE, "By when."),
        col("status", T.CODE, "Its state.", CONDITION_CODES),
        col("met_at", T.DATETIME, "When it was recorded as met."),
        col("met_by", T.TEXT, f"Who recorded it: {PERSON}."),
        col("evidence", T.TEXT, "How it was met."),
    ),
    order="submission_id, round, condition_id",
)

_TRAIL_COLUMNS = (
    col("entry_id", T.INTEGER, "Our identifier of the audit entry (ascending in time)."),
    col("at", T.DATETIME, "When it happened."),
    SUBMISSION,
    col("actor", T.TEXT, f"Who did it: {PERSON}, or a system/command-line label."),
    col("action", T.TEXT, "What was done, e.g. submission.approve, assignment.invited."),
    col("entity_type", T.TEXT, "The kind of record changed."),
    col("entity_id", T.TEXT, "Its identifier."),
    col("before", T.JSON, "The changed values before (people's ids pseudonymised)."),
    col("after", T.JSON, "The changed values after (people's ids pseudonymised)."),
    col("prev_hash", T.TEXT, "Hash of the previous entry in the audit chain."),
    col("entry_hash", T.TEXT, "Hash of this entry in the audit chain."),
)

REVIEW_TRAIL = Table(
    "ReviewTrail",
    "One audited event of a packed submission (any round), except per-criterion score edits.",
    _TRAIL_COLUMNS,
    order="submission_id, entry_id",
)

SCORE_EDITS = Table(
    "ScoreEdits",
    "One audited per-criterion score edit (action score.saved) of a packed submission.",
    _TRAIL_COLUMNS,
    in_workbook=False,
    order="submission_id, entry_id",
)

SCORE_DETAIL = Table(
    "ScoreDetail",
    "One criterion on one score sheet (self, peer or consensus) of a packed round.",
    (
        SUBMISSION,
        ROUND,
        PROVIDER,
        EXTERNAL_ID,
        RUBRIC,
        col("rater_kind", T.CODE, "Whose sheet.", RATER_KINDS),
        col("rater", T.TEXT, f"The reviewer for peer sheets: {PERSON}."),
        REVISION,
        STATUS,
        col("principle", T.TEXT, "Principle code of the criterion."),
        col("criterion_id", T.TEXT, "The criterion."),
        col("must_pass", T.FLAG, "Whether the criterion is must-pass.", FLAG),
        col("score", T.SCORE, "The level, or cannot judge.", SCORE_CODES),
        col("comment", T.TEXT, "The rater's comment (the rationale for consensus scores)."),
        col("evidence_refs", T.LIST, "Evidence references cited."),
        col("no_evidence_reason", T.TEXT, "Why there is no evidence, when none is cited."),
        col("updated_at", T.DATETIME, "When the score was last saved."),
        col("updated_by", T.TEXT, f"Who saved it: {PERSON}."),
    ),
    in_workbook=False,
    order="submission_id, round, self / peers (invitation order) / consensus, rubric order",
)

EVIDENCE_REGISTER = Table(
    "EvidenceRegister",
    "One evidence reference cited in a packed round (or one reason for having none).",
    (
        SUBMISSION,
        ROUND,
        col("kind", T.CODE, "A reference, or a no-evidence reason.", EVIDENCE_KINDS),
        col("reference", T.TEXT, "The evidence reference as cited."),
        col("criteria", T.LIST, "Criteria citing it (rubric order)."),
        col("cited_by", T.LIST, "Who cited it: provider, the reviewers' pseudonyms, consensus."),
        col("no_evidence_reason", T.TEXT, "The reason given (no_evidence lines)."),
    ),
    order="submission_id, round, documents by reference, then no-evidence reasons",
)

RUBRIC_TABLE = Table(
    "Rubric",
    "One criterion of a rubric version used in the pack.",
    (
        col("rubric_key", T.TEXT, "Stable key of the rubric."),
        col("rubric_version", T.TEXT, "Key and version, as in the score tables."),
        col("rubric_sha256", T.TEXT, "SHA-256 of the rubric's canonical content."),
        col("principle", T.TEXT, "Principle code (Annex II)."),
        col("principle_name", T.TEXT, "Principle name."),
        col("principle_esg", T.LIST, "ESG 2015 Part 1 standards of the principle."),
        col("criterion_id", T.TEXT, "Criterion id."),
        col("title", T.TEXT, "Criterion title."),
        col("question", T.TEXT, "The question raters answer."),
        col("must_pass", T.FLAG, "Must-pass criterion.", FLAG),
        col("not_applicable_allowed", T.FLAG, "Whether it may be not applicable.", FLAG),
        col("level_0", T.TEXT, "Descriptor of level 0."),
        col("level_1", T.TEXT, "Descriptor of level 1."),
        col("level_2", T.TEXT, "Descriptor of level 2."),
        col("level_3", T.TEXT, "Descriptor of level 3."),
        col("evidence", T.LIST, "What the provider should attach."),
        col("esg", T.LIST, "ESG 2015 Part 1 standards of the criterion."),
        col("guidance", T.TEXT, "Guidance for raters."),
    ),
    order="rubric version, rubric order",
)

#: Every table, in workbook order; CSV twins under csv/ in the same order.
TABLES: tuple[Table, ...] = (
    README,
    CREDENTIALS,
    SELF_ASSESSMENT,
    PEER_SCORES,
    CONSENSUS,
    *QUALITY_TABLES,  # Agreement .. FileSpread
    DECISIONS,
    CONDITIONS,
    REVIEW_TRAIL,
    EVIDENCE_REGISTER,
    RUBRIC_TABLE,
    DEQAR,
    SCORE_DETAIL,
    SCORE_EDITS,
)
TABLES_BY_NAME = {table.name: table for table in TABLES}


def files() -> tuple[str, ...]:
    """Every member of a pack, in zip order (manifest.json last)."""
    return (
        WORKBOOK,
        *(t.file for t in TABLES),
        *(name for name, _ in OTHER_FILES),
        MANIFEST,
        SIGNATURE,
    )
