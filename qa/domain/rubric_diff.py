"""What changed between two rubric versions, criterion by criterion (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from qa.domain.rubric import Criterion, Rubric

#: The parts of a criterion compared, with the words a reader sees.
_PARTS = (
    ("title", "title"),
    ("question", "question"),
    ("must_pass", "must pass"),
    ("levels", "level descriptors"),
    ("guidance", "guidance"),
    ("evidence", "evidence to look for"),
    ("principle", "principle"),
)


@dataclass(frozen=True)
class CriterionChange:
    criterion_id: str
    kind: str  # "added", "removed" or "changed"
    title: str
    parts: tuple[str, ...] = ()  # for "changed": which parts differ


def rubric_changes(old: Rubric, new: Rubric) -> tuple[CriterionChange, ...]:
    """Added, removed and changed criteria, in the new rubric's order (removed ones last)."""
    before = {c.id: c for c in old.criteria}
    after = {c.id: c for c in new.criteria}
    changes = []
    for c in new.criteria:
        if c.id not in before:
            changes.append(CriterionChange(c.id, "added", c.title))
        elif parts := _differences(before[c.id], c):
            changes.append(CriterionChange(c.id, "changed", c.title, parts))
    changes += [
        CriterionChange(c.id, "removed", c.title) for c in old.criteria if c.id not in after
    ]
    return tuple(changes)


def _differences(old: Criterion, new: Criterion) -> tuple[str, ...]:
    return tuple(words for name, words in _PARTS if getattr(old, name) != getattr(new, name))
