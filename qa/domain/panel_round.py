"""An assignment round's inputs and result: files, the reviewer pool, settings, the proposal.

Plain data shared by the solver (`panel_solver`), the bench and the officer's preview.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from qa.domain.reviewer_choice import PANEL_ROLES


@dataclass(frozen=True)
class Period:
    """Inclusive dates."""

    start: date
    end: date

    @classmethod
    def from_iso(cls, start: str, end: str) -> Period:
        return cls(date.fromisoformat(start), date.fromisoformat(end))

    def overlaps(self, other: Period) -> bool:
        return self.start <= other.end and other.start <= self.end


def language_tag(tag: str) -> str:
    """BCP 47 primary subtag, lower case: `en-GB` and `EN` both match `en`."""
    return tag.strip().split("-")[0].lower()


@dataclass(frozen=True)
class PoolReviewer:
    user_id: int
    panel_role: str | None  # one of PANEL_ROLES, or None
    languages: frozenset[str]  # primary subtags (see `language_tag`); empty: any
    max_load: int
    current_load: int = 0  # open reviews outside this round
    unavailable: tuple[Period, ...] = ()

    def available(self, window: Period) -> bool:
        return not any(period.overlaps(window) for period in self.unavailable)


@dataclass(frozen=True)
class RoundFile:
    file_id: int
    language: str
    conflicts: frozenset[int] = frozenset()  # reviewer ids with a hard conflict
    bids: tuple[tuple[int, float], ...] = ()  # (reviewer id, affinity added), e.g. "eager"


@dataclass(frozen=True)
class RoundSettings:
    """Weights are in affinity units (an affinity lies in [0, 1])."""

    window: Period
    panel_size: int = 3
    load_step: float = 0.02  # each extra review of one person costs this much more
    move_cost: float = 0.3  # dropping an existing pairing costs this much
    fair: bool = False  # worst-off file's panel affinity first (FairFlow-style), then total
    fair_passes: int = 6
    candidates_per_role: int | None = 40  # None: every eligible reviewer is a candidate
    spread_candidates: int = 10  # random extra candidates per role when pruning
    block_size: int = 512  # files scored at once


@dataclass(frozen=True)
class Pairing:
    file_id: int
    reviewer_id: int
    role: str | None
    affinity: float
    kept: bool  # was an existing pairing


@dataclass(frozen=True)
class Shortfall:
    """A file whose panel is short of a seat or of a role, and why."""

    file_id: int
    missing_roles: tuple[str, ...]
    seats_short: int
    reasons: tuple[str, ...]


@dataclass
class Proposal:
    pairings: list[Pairing]
    shortfalls: list[Shortfall]
    loads: dict[int, int]  # reviewer id -> load after the round (with current load)
    file_ids: list[int]
    available: list[int]  # reviewer ids available in the window
    moved: int = 0  # existing pairings dropped
    panels: dict[int, list[Pairing]] = field(init=False)

    def __post_init__(self) -> None:
        panels: dict[int, list[Pairing]] = defaultdict(list)
        for pairing in self.pairings:
            panels[pairing.file_id].append(pairing)
        self.panels = {fid: panels.get(fid, []) for fid in self.file_ids}

    def panel_affinity(self, file_id: int) -> float:
        return sum(p.affinity for p in self.panels[file_id])

    @property
    def total_affinity(self) -> float:
        return sum(p.affinity for p in self.pairings)

    @property
    def worst_off(self) -> float:
        return min((self.panel_affinity(fid) for fid in self.file_ids), default=0.0)

    @property
    def composition_coverage(self) -> float:
        if not self.file_ids:
            return 1.0
        met = sum(
            1
            for panel in self.panels.values()
            if set(PANEL_ROLES) <= {p.role for p in panel if p.role}
        )
        return met / len(self.file_ids)

    def load_range(self) -> tuple[int, int]:
        loads = [self.loads.get(uid, 0) for uid in self.available]
        return (min(loads), max(loads)) if loads else (0, 0)
