"""The review-quality tables of the pack contract (contract.py lists them in TABLES).

Agreement (Krippendorff's ordinal alpha per principle, with a bootstrap interval and the
self-assessment vs peer gap), CriterionAgreement (the same per criterion, with the "poorly
specified" flag for the rubric owner), ReviewerSeverity (pseudonymous), the same per quarter
(ReviewerSeverityByQuarter) and FileSpread.
The figures are defined in docs/audit-pack.md ("Review quality").
"""

from __future__ import annotations

from qa.domain.review_stats import LOW_AGREEMENT
from qa.export.pack.columns import FLAG, PERSON, ROUND, SUBMISSION
from qa.export.pack.spec import ColumnType, Table, col

T = ColumnType
#: Bootstrap resamples per interval and the generator's seed: fixed, so a pack rebuilds
#: byte for byte (see docs/audit-pack.md).
BOOTSTRAP_DRAWS = 400
BOOTSTRAP_SEED = 2022

_ALPHA_COLUMNS = (
    col("level_of_measurement", T.CODE, "The distance metric.", (("ordinal", "Ordinal"),)),
    col("units", T.INTEGER, "Criteria-in-a-round with at least two reviewer levels."),
    col("pairable_values", T.INTEGER, "Reviewer levels in those units (n)."),
    col("observed_disagreement", T.DECIMAL, "D_o."),
    col("expected_disagreement", T.DECIMAL, "D_e."),
    col("alpha", T.DECIMAL, "1 - D_o / D_e; empty when it cannot be computed."),
)
_INTERVAL = (
    col(
        "alpha_ci_low",
        T.DECIMAL,
        f"Lower end of the bootstrap 95 % interval of alpha ({BOOTSTRAP_DRAWS} resamples of the "
        "units, percentile method, fixed seed); empty with fewer than two units or when "
        "alpha is empty.",
    ),
    col("alpha_ci_high", T.DECIMAL, "Upper end of the same interval."),
)
_GAP = (
    col(
        "self_mean",
        T.DECIMAL,
        "Mean self-assessment level over the gap units (criteria-in-a-round with a "
        "self-assessment level and at least one reviewer level).",
    ),
    col("peer_mean", T.DECIMAL, "Mean over the same units of the reviewers' mean level."),
    col(
        "self_peer_gap",
        T.DECIMAL,
        "self_mean - peer_mean; positive: the providers rated themselves higher than the "
        "reviewers did.",
    ),
    col("gap_units", T.INTEGER, "The units the gap rests on."),
)

AGREEMENT = Table(
    "Agreement",
    "Krippendorff's alpha (ordinal) among peer reviewers, per principle and over all criteria, "
    "for the packed rounds, with its bootstrap interval and the self-assessment vs peer gap.",
    (
        col("principle", T.TEXT, "Principle code, or ALL for every criterion."),
        col("principle_name", T.TEXT, "The principle's name."),
        *_ALPHA_COLUMNS,
        col("note", T.TEXT, "Why alpha is empty, when it is."),
        *_INTERVAL,
        *_GAP,
    ),
    order="ALL first, then principles in rubric order",
)

CRITERION_AGREEMENT = Table(
    "CriterionAgreement",
    "Krippendorff's alpha (ordinal) among peer reviewers for one criterion over the packed "
    "rounds (criteria with at least one unit), flagged when agreement is low.",
    (
        col("criterion_id", T.TEXT, "The criterion."),
        col("principle", T.TEXT, "Principle code of the criterion."),
        *_ALPHA_COLUMNS,
        *_INTERVAL,
        col(
            "poorly_specified",
            T.FLAG,
            f"Whether alpha is below {LOW_AGREEMENT} (Krippendorff's lowest tentatively "
            "acceptable value): reviewers read the criterion differently, so the rubric "
            "owner should look at its question and level descriptors; empty when alpha is.",
            FLAG,
        ),
        col("note", T.TEXT, "Why alpha is empty, when it is."),
        *_GAP,
    ),
    order="criteria in rubric order",
)

REVIEWER_SEVERITY = Table(
    "ReviewerSeverity",
    "One peer reviewer's severity or leniency against the co-reviewers of the same units "
    "in the packed rounds.",
    (
        col("reviewer", T.TEXT, f"The reviewer: {PERSON}."),
        col(
            "severity_offset",
            T.DECIMAL,
            "Mean over the reviewer's comparisons of (own level - the co-reviewers' mean level "
            "on the same criterion in the same round); negative: stricter than the co-reviewers.",
        ),
        col("comparisons", T.INTEGER, "Criteria-in-a-round compared (levels, not cannot judge)."),
        col("reviews", T.INTEGER, "Rounds (score sheets) the comparisons come from."),
    ),
    order="reviewer (by pseudonym number: R01, R02, ... R99, R100)",
)

REVIEWER_SEVERITY_BY_QUARTER = Table(
    "ReviewerSeverityByQuarter",
    "One peer reviewer's severity or leniency against co-reviewers in one calendar quarter: "
    "the ReviewerSeverity figures of the comparisons from the reviewer's score sheets "
    "submitted in that quarter (as the Review quality page's severity over time).",
    (
        col("reviewer", T.TEXT, f"The reviewer: {PERSON}."),
        col(
            "quarter",
            T.TEXT,
            "Calendar quarter (UTC) in which the reviewer submitted the score sheets the "
            "comparisons come from, as YYYY-Qn (e.g. 2026-Q3).",
        ),
        col(
            "severity_offset",
            T.DECIMAL,
            "Mean over the comparisons of the quarter of (own level - the co-reviewers' mean "
            "level on the same criterion in the same round, whenever they submitted); "
            "negative: stricter than the co-reviewers.",
        ),
        col("comparisons", T.INTEGER, "Criteria-in-a-round compared in the quarter."),
        col(
            "reviews", T.INTEGER, "Rounds (score sheets) of the quarter the comparisons come from."
        ),
    ),
    order="reviewer (by pseudonym number, as ReviewerSeverity), then quarter (oldest first)",
)

FILE_SPREAD = Table(
    "FileSpread",
    "How far the peer reviewers of one packed round were apart.",
    (
        SUBMISSION,
        ROUND,
        col("criteria", T.INTEGER, "Criteria with at least two reviewer levels."),
        col(
            "mean_range",
            T.DECIMAL,
            "Mean over those criteria of the highest minus the lowest reviewer level.",
        ),
        col("max_range", T.INTEGER, "The largest such range (3: one said 0, another 3)."),
    ),
    order="submission_id, round",
)

QUALITY_TABLES: tuple[Table, ...] = (
    AGREEMENT,
    CRITERION_AGREEMENT,
    REVIEWER_SEVERITY,
    REVIEWER_SEVERITY_BY_QUARTER,
    FILE_SPREAD,
)
