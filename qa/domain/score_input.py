"""One criterion's score as a rater enters it: checked once here, reused by every entry point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from qa.domain.errors import InvalidInput
from qa.domain.rubric import LEVELS, Rubric

MAX_COMMENT = 5_000
MAX_EVIDENCE_REFS = 20
MAX_EVIDENCE_REF = 500


#: The stored columns of one score, in the order the audit trail shows them.
SCORE_FIELDS = ("level", "cannot_judge", "comment", "evidence_refs", "no_evidence_reason")


def is_answered(level: int | None, cannot_judge: bool | None) -> bool:
    """A level, or "cannot judge": the criterion counts towards the sheet's progress."""
    return level is not None or bool(cannot_judge)


def stored_score(
    level: int | None,
    cannot_judge: bool,
    comment: str | None,
    evidence_refs: Sequence[str] | None,
    no_evidence_reason: str | None,
) -> dict[str, Any]:
    """A score's columns as stored and audited (both save paths compare these dicts)."""
    return {
        "level": level,
        "cannot_judge": cannot_judge,
        "comment": comment,
        "evidence_refs": list(evidence_refs or []),
        "no_evidence_reason": no_evidence_reason,
    }


@dataclass(frozen=True)
class ScoreInput:
    criterion_id: str
    level: int | None = None
    cannot_judge: bool = False
    comment: str | None = None
    evidence_refs: tuple[str, ...] = field(default_factory=tuple)
    no_evidence_reason: str | None = None

    def check(self, rubric: Rubric) -> None:
        """Raise `InvalidInput` naming the criterion and the problem."""
        problems: list[str] = []
        try:
            rubric.criterion(self.criterion_id)
        except KeyError:
            raise InvalidInput(
                f"{self.criterion_id!r} is not a criterion of rubric {rubric.key} {rubric.version}"
            ) from None
        if self.cannot_judge and self.level is not None:
            problems.append("choose a level or cannot judge, not both")
        if self.level is not None and (isinstance(self.level, bool) or self.level not in LEVELS):
            problems.append(f"level must be 0, 1, 2 or 3, not {self.level!r}")
        if self.comment is not None and len(self.comment) > MAX_COMMENT:
            problems.append(f"the comment is longer than {MAX_COMMENT:,} characters")
        if len(self.evidence_refs) > MAX_EVIDENCE_REFS:
            problems.append(f"at most {MAX_EVIDENCE_REFS} evidence references")
        if any(len(ref) > MAX_EVIDENCE_REF or not ref.strip() for ref in self.evidence_refs):
            problems.append(f"each evidence reference is 1 to {MAX_EVIDENCE_REF} characters")
        if problems:
            raise InvalidInput(f"{self.criterion_id}: " + "; ".join(problems), tuple(problems))

    @property
    def is_scored(self) -> bool:
        return is_answered(self.level, self.cannot_judge)

    def stored(self) -> dict[str, Any]:
        """The columns this entry writes: "cannot judge" clears the level."""
        return stored_score(
            None if self.cannot_judge else self.level,
            self.cannot_judge,
            self.comment,
            self.evidence_refs,
            self.no_evidence_reason,
        )
