"""Choosing reviewers for a submission: expertise first, then load, then panel balance.

A greedy choice is enough for one submission at a time (routing invites as files arrive);
each pick updates the panel so the next one prefers a missing panel role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PANEL_ROLES = ("subject_expert", "labour_market", "learner")


@dataclass(frozen=True)
class Candidate:
    user_id: int
    expertise: tuple[str, ...]  # ISCED-F codes
    panel_role: str | None
    open_assignments: int


def expertise_match(field_of_study: str | None, expertise: Sequence[str]) -> int:
    """3 for the same detailed field, 2 for the same narrow field, 1 for the broad field."""
    if not field_of_study:
        return 0
    best = 0
    for code in expertise:
        shared = 0
        for length in (2, 3, 4):
            if len(code) >= length and len(field_of_study) >= length:
                if code[:length] == field_of_study[:length]:
                    shared = length - 1
                else:
                    break
        best = max(best, shared)
    return best


def choose_reviewers(
    candidates: Sequence[Candidate],
    *,
    field_of_study: str | None,
    panel: Sequence[str | None],
    count: int,
    max_load: int = 6,
) -> list[int]:
    """Pick up to `count` candidates (ids), never anyone at or above `max_load`."""
    chosen: list[int] = []
    roles = list(panel)
    pool = [c for c in candidates if c.open_assignments < max_load]
    for _ in range(count):
        if not pool:
            break
        best = max(
            pool,
            key=lambda c: (
                c.panel_role in PANEL_ROLES and c.panel_role not in roles,
                expertise_match(field_of_study, c.expertise),
                -c.open_assignments,
                -c.user_id,
            ),
        )
        chosen.append(best.user_id)
        roles.append(best.panel_role)
        pool.remove(best)
    return chosen
