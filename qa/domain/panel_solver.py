"""Optimal panels for a whole intake: a min-cost flow (OR-Tools `SimpleMinCostFlow`).

The network, per file f and reviewer r (HotCRP's autoassigner, plus panel roles):

    source ─k─▶ f ─1, free─▶ (f, role) ─1─▶ r ─1 per review, rising cost─▶ sink
                f ─extra seats of a role, COMPOSITION─▶ (f, role)
                f ─k, SHORTFALL─▶ sink                (an unfilled seat)

Costs are lexicographic: a seat for a role the panel lacks is worth ROLE_SEAT, any
other filled seat EXTRA_SEAT (ROLE_SEAT > 2 · EXTRA_SEAT), so as many role seats as the
pool allows are filled first, then as many seats as possible, then affinity minus the
rising per-review cost (load balance) and minus a bonus for keeping an existing pairing
(a re-run moves a pairing only when it gains more than `move_cost`). As costs: a role seat
is free, an extra seat costs COMPOSITION = ROLE_SEAT - EXTRA_SEAT, an empty one SHORTFALL.
Hard constraints (conflicts, load caps, unavailability, descriptor language) are arcs that
do not exist.

Fair mode maximises the worst-off file's panel affinity before the total (FairFlow's aim)
by reweighting the weakest panels and solving again (see `_fair`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from qa.domain.affinity import AffinityModel
from qa.domain.panel_repair import consolidate
from qa.domain.panel_round import (
    Pairing,
    PoolReviewer,
    Proposal,
    RoundFile,
    RoundSettings,
    Shortfall,
    language_tag,
)
from qa.domain.reviewer_choice import PANEL_ROLES

SCALE = 1000  # affinity units -> integer costs
ROLE_SEAT = 10**7
EXTRA_SEAT = 10**5  # above any affinity and load difference (SCALE units)
SHORTFALL = ROLE_SEAT
COMPOSITION = ROLE_SEAT - EXTRA_SEAT
GROUPS = (*PANEL_ROLES, None)  # None: reviewers without a panel role
Ints = npt.NDArray[np.int64]


@dataclass
class Candidates:
    """Eligible (file, reviewer) arcs: file index, reviewer index, affinity, kept."""

    files: Ints
    reviewers: Ints
    affinity: npt.NDArray[np.float32]
    kept: npt.NDArray[np.bool_]
    eligible_roles: list[set[str]]  # per file: roles with at least one eligible reviewer


def _eligibility(
    files: Sequence[RoundFile], pool: Sequence[PoolReviewer], settings: RoundSettings
) -> tuple[npt.NDArray[np.bool_], dict[str, npt.NDArray[np.bool_]]]:
    open_to_work = np.array(
        [r.available(settings.window) and r.current_load < r.max_load for r in pool], bool
    )
    by_language = {
        lang: np.array([not r.languages or lang in r.languages for r in pool], bool)
        for lang in {language_tag(f.language) for f in files}
    }
    return open_to_work, by_language


def candidates(
    files: Sequence[RoundFile],
    pool: Sequence[PoolReviewer],
    model: AffinityModel,
    settings: RoundSettings,
    existing: Mapping[int, frozenset[int]],
) -> Candidates:
    """Score files in blocks; keep eligible reviewers: per role the best
    `candidates_per_role` plus `spread_candidates` drawn at random (seeded by the file id), so
    every reviewer's capacity stays reachable when popular reviewers fill up."""
    open_to_work, by_language = _eligibility(files, pool, settings)
    index = {r.user_id: j for j, r in enumerate(pool)}
    groups = [np.array([r.panel_role == g for r in pool], bool) for g in GROUPS]
    keep = settings.candidates_per_role
    out_f: list[Ints] = []
    out_r: list[Ints] = []
    out_a: list[npt.NDArray[np.float32]] = []
    out_k: list[npt.NDArray[np.bool_]] = []
    eligible_roles: list[set[str]] = []
    for start in range(0, len(files), settings.block_size):
        rows = list(range(start, min(start + settings.block_size, len(files))))
        block = model.block(rows)
        for i, row in zip(rows, block, strict=True):
            file = files[i]
            mask = open_to_work & by_language[language_tag(file.language)]
            for uid, bid in file.bids:
                if uid in index:
                    row[index[uid]] = np.clip(row[index[uid]] + bid, 0.0, 1.0)
            for uid in file.conflicts:
                if uid in index:
                    mask[index[uid]] = False
            kept = np.zeros(len(pool), bool)
            for uid in existing.get(file.file_id, frozenset()):
                if uid in index and mask[index[uid]]:
                    kept[index[uid]] = True
            chosen = kept.copy()
            roles: set[str] = set()
            for group, in_group in zip(GROUPS, groups, strict=True):
                pick = np.flatnonzero(mask & in_group)
                if group is not None and pick.size:
                    roles.add(group)
                if keep is not None and pick.size > keep:
                    best = np.argpartition(-row[pick], keep - 1)[:keep]
                    rest = np.delete(pick, best)
                    spread = np.random.default_rng(file.file_id).choice(
                        rest, size=min(rest.size, settings.spread_candidates), replace=False
                    )
                    chosen[spread] = True
                    pick = pick[best]
                chosen[pick] = True
            picked = np.flatnonzero(chosen)
            out_f.append(np.full(picked.size, i, np.int64))
            out_r.append(picked.astype(np.int64))
            out_a.append(row[picked].astype(np.float32))
            out_k.append(kept[picked])
            eligible_roles.append(roles)
    empty = np.zeros(0, np.int64)
    return Candidates(
        files=np.concatenate(out_f) if out_f else empty,
        reviewers=np.concatenate(out_r) if out_r else empty,
        affinity=np.concatenate(out_a) if out_a else np.zeros(0, np.float32),
        kept=np.concatenate(out_k) if out_k else np.zeros(0, bool),
        eligible_roles=eligible_roles,
    )


@dataclass
class _Flow:
    flows: Ints  # per candidate arc: 1 when chosen
    short: int  # unfilled seats
    extra: int  # seats that do not add a missing role


@dataclass
class _Arcs:
    tails: list[Ints] = field(default_factory=list)
    heads: list[Ints] = field(default_factory=list)
    caps: list[Ints] = field(default_factory=list)
    costs: list[Ints] = field(default_factory=list)

    def add(self, tail: Ints, head: Ints, cap: Ints | int, cost: Ints | int) -> None:
        self.tails.append(tail)
        self.heads.append(head)
        self.caps.append(np.broadcast_to(np.asarray(cap, np.int64), tail.shape))
        self.costs.append(np.broadcast_to(np.asarray(cost, np.int64), tail.shape))

    def joined(self) -> tuple[Ints, Ints, Ints, Ints]:
        return (
            np.concatenate(self.tails),
            np.concatenate(self.heads),
            np.ascontiguousarray(np.concatenate(self.caps)),
            np.ascontiguousarray(np.concatenate(self.costs)),
        )


def _seat_arcs(arcs: _Arcs, n_files: int, k: int) -> None:
    """source -> file, file -> sink (shortfall), file -> (file, role)."""
    file_node = 2 + np.arange(n_files, dtype=np.int64)
    arcs.add(np.zeros(n_files, np.int64), file_node, k, 0)
    arcs.add(file_node, np.ones(n_files, np.int64), k, SHORTFALL)
    for g, group in enumerate(GROUPS):
        role_node = 2 + n_files + np.arange(n_files, dtype=np.int64) * len(GROUPS) + g
        if group is None:
            arcs.add(file_node, role_node, k, COMPOSITION)
            continue
        arcs.add(file_node, role_node, 1, 0)
        if k > 1:
            arcs.add(file_node, role_node, k - 1, COMPOSITION)


def _load_arcs(arcs: _Arcs, pool: Sequence[PoolReviewer], reviewer_base: int, step: float) -> None:
    """reviewer -> sink, one arc per review left under the cap, each dearer than the last."""
    tails: list[int] = []
    costs: list[int] = []
    for j, reviewer in enumerate(pool):
        for load in range(reviewer.current_load, reviewer.max_load):
            tails.append(reviewer_base + j)
            costs.append(round(step * SCALE * load))
    tail = np.array(tails, np.int64)
    arcs.add(tail, np.ones(tail.size, np.int64), 1, np.array(costs, np.int64))


def _solve_flow(
    n_files: int,
    pool: Sequence[PoolReviewer],
    cand: Candidates,
    settings: RoundSettings,
    weights: npt.NDArray[np.float64] | None = None,
) -> _Flow:
    k = settings.panel_size
    role_base = 2 + n_files
    reviewer_base = role_base + n_files * len(GROUPS)
    group_of = {g: i for i, g in enumerate(GROUPS)}
    reviewer_group = np.array([group_of[r.panel_role] for r in pool], np.int64)
    arcs = _Arcs()
    _seat_arcs(arcs, n_files, k)
    n_fixed = sum(t.size for t in arcs.tails)
    fixed_costs = np.concatenate(arcs.costs)

    move = round(settings.move_cost * SCALE)
    worth = cand.affinity if weights is None else cand.affinity * weights
    offset = round(float(worth.max(initial=1.0)) * SCALE) + move
    pair_cost = offset - np.rint(worth * SCALE).astype(np.int64)
    pair_cost -= np.where(cand.kept, move, 0)
    tail = role_base + cand.files * len(GROUPS) + reviewer_group[cand.reviewers]
    arcs.add(tail, reviewer_base + cand.reviewers, 1, pair_cost)
    _load_arcs(arcs, pool, reviewer_base, settings.load_step)

    smcf = min_cost_flow.SimpleMinCostFlow()
    all_arcs = smcf.add_arcs_with_capacity_and_unit_cost(*arcs.joined())
    smcf.set_node_supply(0, n_files * k)
    smcf.set_node_supply(1, -n_files * k)
    status = smcf.solve()
    if status != smcf.OPTIMAL:  # pragma: no cover - the shortfall arcs keep it feasible
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = np.asarray(smcf.flows(all_arcs), np.int64)
    return _Flow(
        flows=flows[n_fixed : n_fixed + cand.files.size],
        short=int(flows[n_files : 2 * n_files].sum()),
        extra=int(flows[:n_fixed][fixed_costs == COMPOSITION].sum()),
    )


def _panel_sums(n_files: int, cand: Candidates, flows: Ints) -> npt.NDArray[np.float64]:
    weights = cand.affinity.astype(np.float64) * flows
    return np.asarray(np.bincount(cand.files, weights=weights, minlength=n_files), np.float64)


def _fair(
    n_files: int,
    pool: Sequence[PoolReviewer],
    cand: Candidates,
    settings: RoundSettings,
    base: _Flow,
) -> _Flow:
    """Multiplicative weights on the worst-off files (FairFlow's aim by reweighting):
    each pass raises the weight of the weakest 5 % of panels and solves again; the
    solution kept is the best by (worst-off panel, total), never with fewer seats or roles.
    """
    weights = np.ones(n_files)
    best = base
    sums = _panel_sums(n_files, cand, base.flows)
    best_key = (float(sums.min()), float(sums.sum()))
    for _ in range(settings.fair_passes):
        weights[sums <= np.quantile(sums, 0.05)] *= 1.6
        trial = _solve_flow(n_files, pool, cand, settings, weights[cand.files])
        sums = _panel_sums(n_files, cand, trial.flows)
        key = (float(sums.min()), float(sums.sum()))
        if trial.short <= base.short and trial.extra <= base.extra and key > best_key:
            best, best_key = trial, key
    return best


def solve_round(
    files: Sequence[RoundFile],
    pool: Sequence[PoolReviewer],
    model: AffinityModel,
    settings: RoundSettings,
    existing: Mapping[int, frozenset[int]] | None = None,
) -> Proposal:
    """Propose panels for `files` (the model's file rows are in the same order)."""
    existing = existing or {}
    cand = candidates(files, pool, model, settings, existing)
    flow = _solve_flow(len(files), pool, cand, settings)
    if settings.fair and cand.files.size:
        flow = _fair(len(files), pool, cand, settings, flow)
    proposal = _proposal(
        files, pool=pool, cand=cand, settings=settings, flow=flow, existing=existing
    )
    rows = {f.file_id: i for i, f in enumerate(files)}
    columns = {r.user_id: j for j, r in enumerate(pool)}

    bids = {(f.file_id, uid): bid for f in files for uid, bid in f.bids}

    def affinity(file_id: int, user_id: int) -> float:
        value = model.components(rows[file_id], columns[user_id]).total
        return min(1.0, max(0.0, value + bids.get((file_id, user_id), 0.0)))

    proposal = consolidate(proposal, files, pool, affinity, dict(existing))
    proposal.shortfalls = shortfalls(proposal, cand.eligible_roles, settings.panel_size)
    return proposal


def _proposal(
    files: Sequence[RoundFile],
    *,
    pool: Sequence[PoolReviewer],
    cand: Candidates,
    settings: RoundSettings,
    flow: _Flow,
    existing: Mapping[int, frozenset[int]],
) -> Proposal:
    loads = {r.user_id: r.current_load for r in pool}
    pairings: list[Pairing] = []
    for arc in np.flatnonzero(flow.flows):
        file, reviewer = files[int(cand.files[arc])], pool[int(cand.reviewers[arc])]
        loads[reviewer.user_id] += 1
        pairings.append(
            Pairing(
                file.file_id,
                reviewer.user_id,
                reviewer.panel_role,
                float(cand.affinity[arc]),
                bool(cand.kept[arc]),
            )
        )
    kept = {(p.file_id, p.reviewer_id) for p in pairings}
    moved = sum((fid, uid) not in kept for fid, uids in existing.items() for uid in uids)
    proposal = Proposal(
        pairings=pairings,
        shortfalls=[],
        loads=loads,
        file_ids=[f.file_id for f in files],
        available=[r.user_id for r in pool if r.available(settings.window)],
        moved=moved,
    )
    return proposal


def shortfalls(
    proposal: Proposal, eligible_roles: Sequence[set[str]], panel_size: int
) -> list[Shortfall]:
    """Each file short of a seat or a role, with the reason an officer can act on."""
    out: list[Shortfall] = []
    for fid, roles_possible in zip(proposal.file_ids, eligible_roles, strict=True):
        panel = proposal.panels[fid]
        have = {p.role for p in panel}
        missing = tuple(role for role in PANEL_ROLES if role not in have)
        short = max(0, panel_size - len(panel))
        if not missing and not short:
            continue
        reasons = [
            f"no eligible {role.replace('_', ' ')} (conflict, language or availability)"
            if role not in roles_possible
            else f"every eligible {role.replace('_', ' ')} is at their load cap"
            for role in missing
        ]
        if short:
            reasons.append(f"{short} seat(s) unfilled: not enough eligible reviewers with room")
        out.append(Shortfall(fid, missing, short, tuple(reasons)))
    return out
