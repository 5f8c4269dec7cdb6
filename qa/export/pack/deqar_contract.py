"""The DEQAR table of the pack contract (contract.py lists it in TABLES): DEQAR's CSV upload
columns for the packed decisions that DEQAR takes (DOMAIN.md §6)."""

from __future__ import annotations

from qa.export.pack.spec import ColumnType, Table, col

T = ColumnType

#: Awarding bodies besides the provider that the DEQAR sheet has columns for.
JOINT_BODIES = 3

DEQAR = Table(
    "DEQAR",
    "One DEQAR report row per positive or negative decision of EQF level 5-8 "
    "(revise-and-resubmit and lower levels are left out); the columns are DEQAR's CSV upload.",
    (
        col("agency", T.TEXT, "The agency's DEQAR id (configuration)."),
        col("local_identifier", T.TEXT, "Our report id: prefix, submission id, round."),
        col("activities[1].id", T.TEXT, "The DEQAR activity id (configuration)."),
        col(
            "status",
            T.CODE,
            "Report status.",
            (("1", "Part of obligatory EQA system"), ("2", "Voluntary")),
        ),
        col(
            "decision",
            T.CODE,
            "The decision.",
            (
                ("1", "Positive (approved)"),
                ("2", "Positive with conditions or restrictions"),
                ("3", "Negative (rejected)"),
            ),
        ),
        col("summary", T.TEXT, "The rationale, or the recommendation's reasons."),
        col("valid_from", T.DATE, "Validity start (the decision date for negative ones)."),
        col("valid_to", T.DATE, "Validity end (positive decisions)."),
        col("date_format", T.TEXT, "Always %Y-%m-%d."),
        col("file[1].original_location", T.TEXT, "URL of the report (configuration template)."),
        col("file[1].display_name", T.TEXT, "Name of the report file."),
        col("file[1].report_language[1]", T.TEXT, "ISO 639-2 language of the report."),
        col("institution[1].deqar_id", T.TEXT, "DEQAR id of the provider institution."),
        col("programme[1].identifier[1]", T.TEXT, "The provider's own code (external_id)."),
        col("programme[1].name_primary", T.TEXT, "Title of the micro-credential."),
        col(
            "programme[1].qf_ehea_level",
            T.CODE,
            "QF-EHEA level from the EQF level.",
            (
                ("0", "Short cycle (EQF 5)"),
                ("1", "First cycle (EQF 6)"),
                ("2", "Second cycle (EQF 7)"),
                ("3", "Third cycle (EQF 8)"),
            ),
        ),
        col("programme[1].nqf_level", T.TEXT, "National qualifications framework level."),
        col("programme[1].degree_outcome", T.CODE, "Always 2.", (("2", "No full degree"),)),
        col("programme[1].workload_ects", T.DECIMAL, "Workload in ECTS credits."),
        col(
            "programme[1].assessment_certification",
            T.CODE,
            "Always 2.",
            (("2", "Assessment-based certificate"),),
        ),
        col("programme[1].learning_outcome[1]", T.TEXT, "First ESCO skill URI, if any."),
        col("programme[1].learning_outcome_description", T.TEXT, "The learning outcomes."),
        col("programme[1].field_study", T.TEXT, "ISCED-F 2013 field of study code."),
        col("other_comment", T.TEXT, "Conditions of a decision with conditions; the round."),
        *(
            col(
                f"institution[{n}].deqar_id",
                T.TEXT,
                "DEQAR id of another awarding body of a joint micro-credential (its `deqar` "
                "identifier), in the descriptor's order; bodies beyond these columns or "
                "without a DEQAR id are named in other_comment.",
            )
            for n in range(2, 2 + JOINT_BODIES)
        ),
    ),
    order="submission_id, round",
)
