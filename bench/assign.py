"""Assignment round: the min-cost-flow optimiser against the greedy choice, same instance.

    python bench/assign.py [--files N] [--reviewers M] [--seed S]   (default 2,000 × 300)
    python bench/assign.py --large                                    (20,000 × 3,000)

A synthetic intake: files over 60 ISCED-F detailed fields with learning outcomes drawn
from each field's vocabulary, a pool with three panel roles, 1-3 fields of expertise and
an expertise statement, 5 % conflicted pairs, per-reviewer caps (20-35) and current load,
5 % unavailable in the review window, 15 % of files in German or French. Printed per
method: solve time, total affinity, worst-off file's panel affinity, min/max load over
available reviewers, panel-composition coverage; then the optimiser/greedy ratios.
Greedy is `qa.domain.reviewer_choice.choose_reviewers`, file by file (as routing does),
given the same hard constraints; it is skipped in --large (pure Python, minutes).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.domain.affinity import AffinityModel, FileTraits, ReviewerTraits
from qa.domain.panel_round import (
    Pairing,
    Period,
    PoolReviewer,
    Proposal,
    RoundFile,
    RoundSettings,
)
from qa.domain.panel_solver import solve_round
from qa.domain.reviewer_choice import PANEL_ROLES, Candidate, choose_reviewers

WINDOW_START = date(2026, 1, 5)  # synthetic data only: nothing compares it with today
WINDOW = Period(WINDOW_START, WINDOW_START + timedelta(days=28))
FIELDS = [f"{b:02d}{n}{d}" for b in range(1, 11) for n in (1, 2) for d in (1, 2, 3)]
LANGUAGES = ["en"] * 17 + ["de", "de", "fr"]


def words(rng: random.Random, prefix: str, count: int, vocabulary: int = 40) -> list[str]:
    return [f"{prefix}x{rng.randrange(vocabulary)}" for _ in range(count)]


def outcomes(rng: random.Random, code: str) -> str:
    return " ".join(
        words(rng, f"d{code}", 10) + words(rng, f"n{code[:3]}", 5) + words(rng, "g", 6, 200)
    )


def instance(
    n_files: int, n_reviewers: int, seed: int
) -> tuple[list[RoundFile], list[PoolReviewer], list[FileTraits], list[ReviewerTraits]]:
    rng = random.Random(seed)
    pool: list[PoolReviewer] = []
    reviewer_traits: list[ReviewerTraits] = []
    for uid in range(1, n_reviewers + 1):
        role = rng.choices([*PANEL_ROLES, None], weights=[45, 25, 25, 5])[0]
        expertise = tuple(rng.sample(FIELDS, rng.randint(1, 3)))
        languages = {"en"} if rng.random() < 0.9 else set()
        languages |= {lang for lang in ("de", "fr") if rng.random() < 0.25}
        unavailable = (WINDOW,) if rng.random() < 0.05 else ()
        pool.append(
            PoolReviewer(
                uid,
                role,
                frozenset(languages or {"en"}),
                max_load=rng.randint(20, 35),
                current_load=rng.randint(0, 3),
                unavailable=unavailable,
            )
        )
        statement = " ".join(outcomes(rng, code) for code in expertise)
        levels = frozenset(rng.sample(range(4, 8), rng.randint(1, 3)))
        reviewer_traits.append(ReviewerTraits(expertise, levels, statement))
    files: list[RoundFile] = []
    file_traits: list[FileTraits] = []
    ids = [r.user_id for r in pool]
    for fid in range(1, n_files + 1):
        code = rng.choice(FIELDS)
        conflicts = frozenset(rng.sample(ids, round(len(ids) * 0.05)))
        files.append(RoundFile(fid, rng.choice(LANGUAGES), conflicts))
        file_traits.append(FileTraits(code, rng.randint(4, 7), outcomes(rng, code)))
    return files, pool, file_traits, reviewer_traits


def greedy(
    files: list[RoundFile],
    pool: list[PoolReviewer],
    model: AffinityModel,
    settings: RoundSettings,
) -> Proposal:
    loads = {r.user_id: r.current_load for r in pool}
    index = {r.user_id: j for j, r in enumerate(pool)}
    pairings: list[Pairing] = []
    for row, file in enumerate(files):
        field = model.files[row].field_of_study
        pool_here = [
            Candidate(r.user_id, model.reviewers[j].expertise, r.panel_role, loads[r.user_id])
            for j, r in enumerate(pool)
            if r.available(settings.window)
            and loads[r.user_id] < r.max_load
            and file.language in r.languages
            and r.user_id not in file.conflicts
        ]
        chosen = choose_reviewers(
            pool_here, field_of_study=field, panel=[], count=settings.panel_size, max_load=10**6
        )
        affinity = model.block([row])[0]
        for uid in chosen:
            loads[uid] += 1
            j = index[uid]
            pairings.append(
                Pairing(file.file_id, uid, pool[j].panel_role, float(affinity[j]), False)
            )
    return Proposal(
        pairings=pairings,
        shortfalls=[],
        loads=loads,
        file_ids=[f.file_id for f in files],
        available=[r.user_id for r in pool if r.available(settings.window)],
    )


def role_spread(proposal: Proposal, pool: list[PoolReviewer]) -> int:
    """Load spread among available reviewers who hold a panel role (the others only fill
    extra seats, so their load says little about balance)."""
    loads = [proposal.loads[r.user_id] for r in pool if r.panel_role and r.available(WINDOW)]
    return max(loads) - min(loads)


def report(name: str, proposal: Proposal, seconds: float, pool: list[PoolReviewer]) -> None:
    low, high = proposal.load_range()
    print(
        f"{name:<15} solve {seconds:7.2f} s  total affinity {proposal.total_affinity:9.1f}  "
        f"worst-off {proposal.worst_off:5.3f}  load {low}-{high} (spread {high - low}, "
        f"role holders {role_spread(proposal, pool)})  "
        f"composition {proposal.composition_coverage:6.1%}  pairings {len(proposal.pairings)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--large", action="store_true", help="20,000 files × 3,000 reviewers")
    args = parser.parse_args()
    n_files, n_reviewers = (20000, 3000) if args.large else (args.files, args.reviewers)

    run_started = started = time.perf_counter()
    files, pool, file_traits, reviewer_traits = instance(n_files, n_reviewers, args.seed)
    print(f"instance: {n_files:,} files × {n_reviewers:,} reviewers, 5 % conflicts")
    print(f"generated in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    model = AffinityModel(file_traits, reviewer_traits)
    fit = time.perf_counter() - started
    print(f"TF-IDF fit {fit:.2f} s (counted in each solve time below)")
    settings = RoundSettings(window=WINDOW)

    results: dict[str, tuple[Proposal, float]] = {}
    for name, chosen in (("optimiser", settings), ("optimiser fair", replace(settings, fair=True))):
        started = time.perf_counter()
        results[name] = (
            solve_round(files, pool, model, chosen),
            time.perf_counter() - started + fit,
        )
        report(name, *results[name], pool)
    if not args.large:
        started = time.perf_counter()
        results["greedy"] = (greedy(files, pool, model, settings), time.perf_counter() - started)
        report("greedy", *results["greedy"], pool)
        base = results["greedy"][0]
        for name in ("optimiser", "optimiser fair"):
            ours = results[name][0]
            low, high = ours.load_range()
            g_low, g_high = base.load_range()
            print(
                f"{name} / greedy: total affinity {ours.total_affinity / base.total_affinity:.3f}, "
                f"worst-off {ours.worst_off / max(base.worst_off, 1e-9):.3f}, "
                f"load spread {high - low}/{g_high - g_low} "
                f"(role holders {role_spread(ours, pool)}/{role_spread(base, pool)}), "
                f"composition {ours.composition_coverage:.1%}/{base.composition_coverage:.1%}"
            )
    short = results["optimiser"][0].shortfalls
    print(f"files short of a seat or role (optimiser): {len(short)}")
    for shortfall in short[:3]:
        print(f"  file {shortfall.file_id}: {'; '.join(shortfall.reasons)}")
    print(f"whole run: {time.perf_counter() - run_started:.1f} s")


if __name__ == "__main__":
    main()
