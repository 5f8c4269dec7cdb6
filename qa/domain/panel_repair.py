"""Complete more panels after the flow: swap reviewers between two short files.

The flow fills as many role seats as the pool allows, but not which files go short: a
file missing a learner and another missing a labour-market expert are two incomplete
panels where one would do. When file A holds the role B lacks, and B holds a reviewer
whose role it already has (or none), the two swap: B becomes complete, A goes short of
both, every load stays the same. Hard constraints are checked again for both moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from qa.domain.panel_round import Pairing, PoolReviewer, Proposal, RoundFile, language_tag
from qa.domain.reviewer_choice import PANEL_ROLES

AffinityOf = Callable[[int, int], float]  # (file id, reviewer id) -> affinity


def _missing(panel: Sequence[Pairing]) -> set[str]:
    return set(PANEL_ROLES) - {p.role for p in panel if p.role}


def _filler(panel: Sequence[Pairing]) -> Pairing | None:
    """A pairing the file can give away without losing a role: lowest affinity first."""
    seen: dict[str | None, int] = {}
    for p in panel:
        seen[p.role] = seen.get(p.role, 0) + 1
    spare = [p for p in panel if p.role is None or seen[p.role] > 1]
    return min(spare, key=lambda p: (p.affinity, p.reviewer_id), default=None)


def consolidate(
    proposal: Proposal,
    files: Sequence[RoundFile],
    pool: Sequence[PoolReviewer],
    affinity: AffinityOf,
    existing: dict[int, frozenset[int]],
) -> Proposal:
    by_file = {f.file_id: f for f in files}
    by_user = {r.user_id: r for r in pool}

    def eligible(file_id: int, user_id: int) -> bool:
        file, reviewer = by_file[file_id], by_user[user_id]
        return (
            user_id not in file.conflicts
            and (not reviewer.languages or language_tag(file.language) in reviewer.languages)
            and all(p.reviewer_id != user_id for p in panels[file_id])
        )

    panels = {fid: list(panel) for fid, panel in proposal.panels.items()}
    for role in PANEL_ROLES:
        takers = [fid for fid, panel in panels.items() if _missing(panel) == {role}]
        givers = [
            fid for fid, panel in panels.items() if _missing(panel) and role not in _missing(panel)
        ]
        for taker in takers:
            filler = _filler(panels[taker])
            if filler is None:
                continue
            for giver in givers:
                holder = next(p for p in panels[giver] if p.role == role)
                if eligible(taker, holder.reviewer_id) and eligible(giver, filler.reviewer_id):
                    panels[taker] = [
                        *(p for p in panels[taker] if p is not filler),
                        _moved(holder, taker, affinity, existing),
                    ]
                    panels[giver] = [
                        *(p for p in panels[giver] if p is not holder),
                        _moved(filler, giver, affinity, existing),
                    ]
                    givers.remove(giver)
                    break
    pairings = [p for fid in proposal.file_ids for p in panels[fid]]
    kept = {(p.file_id, p.reviewer_id) for p in pairings}
    moved = sum((fid, uid) not in kept for fid, uids in existing.items() for uid in uids)
    return replace_pairings(proposal, pairings, moved)


def _moved(
    pairing: Pairing, file_id: int, affinity: AffinityOf, existing: dict[int, frozenset[int]]
) -> Pairing:
    return replace(
        pairing,
        file_id=file_id,
        affinity=affinity(file_id, pairing.reviewer_id),
        kept=pairing.reviewer_id in existing.get(file_id, frozenset()),
    )


def replace_pairings(proposal: Proposal, pairings: list[Pairing], moved: int) -> Proposal:
    return Proposal(
        pairings=pairings,
        shortfalls=proposal.shortfalls,
        loads=proposal.loads,
        file_ids=proposal.file_ids,
        available=proposal.available,
        moved=moved,
    )
