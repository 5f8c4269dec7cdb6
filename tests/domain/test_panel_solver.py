"""The assignment-round solver on random instances (hypothesis) and on small known ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from qa.domain.affinity import AffinityModel, FileTraits, ReviewerTraits
from qa.domain.panel_round import Period, PoolReviewer, Proposal, RoundFile, RoundSettings
from qa.domain.panel_solver import solve_round
from qa.domain.reviewer_choice import PANEL_ROLES

START = date(2030, 3, 4)  # pure data: the solver never reads the clock
WINDOW = Period(START, START + timedelta(days=20))
FIELDS = ("0613", "0612", "0688", "0413", "0913")
WORDS = ("data", "privacy", "nursing", "finance", "audit", "python", "ethics", "care")

Instance = tuple[list[RoundFile], list[PoolReviewer], AffinityModel]


@st.composite
def instances(draw: st.DrawFn, max_files: int = 6, max_reviewers: int = 9) -> Instance:
    n_reviewers = draw(st.integers(2, max_reviewers))
    pool: list[PoolReviewer] = []
    reviewer_traits: list[ReviewerTraits] = []
    for uid in range(1, n_reviewers + 1):
        away = draw(st.booleans()) and draw(st.booleans())
        pool.append(
            PoolReviewer(
                uid,
                draw(st.sampled_from([*PANEL_ROLES, None])),
                frozenset(draw(st.sets(st.sampled_from(["en", "de"]), min_size=1))),
                max_load=draw(st.integers(1, 4)),
                current_load=draw(st.integers(0, 1)),
                unavailable=(Period(START + timedelta(days=5), START + timedelta(days=6)),)
                if away
                else (),
            )
        )
        reviewer_traits.append(
            ReviewerTraits(
                tuple(draw(st.sets(st.sampled_from(FIELDS), max_size=2))),
                frozenset(draw(st.sets(st.integers(4, 7), max_size=2))),
                " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=4))),
            )
        )
    files: list[RoundFile] = []
    file_traits: list[FileTraits] = []
    ids = [r.user_id for r in pool]
    for fid in range(1, draw(st.integers(1, max_files)) + 1):
        files.append(
            RoundFile(
                100 + fid,
                draw(st.sampled_from(["en", "en-GB", "de"])),
                frozenset(draw(st.sets(st.sampled_from(ids), max_size=2))),
            )
        )
        file_traits.append(
            FileTraits(
                draw(st.sampled_from(FIELDS)),
                draw(st.integers(4, 7)),
                " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=5))),
            )
        )
    return files, pool, AffinityModel(file_traits, reviewer_traits)


def eligible(file: RoundFile, reviewer: PoolReviewer) -> bool:
    return (
        reviewer.user_id not in file.conflicts
        and file.language.split("-")[0] in reviewer.languages
        and reviewer.available(WINDOW)
    )


def check_hard_constraints(files: list[RoundFile], pool: list[PoolReviewer], p: Proposal) -> None:
    by_user = {r.user_id: r for r in pool}
    for file in files:
        panel = p.panels[file.file_id]
        assert len(panel) <= 3
        assert len({x.reviewer_id for x in panel}) == len(panel)
        for pairing in panel:
            assert eligible(file, by_user[pairing.reviewer_id])
    for reviewer in pool:
        new = sum(x.reviewer_id == reviewer.user_id for x in p.pairings)
        assert p.loads[reviewer.user_id] == reviewer.current_load + new
        assert new == 0 or p.loads[reviewer.user_id] <= reviewer.max_load


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances(), st.booleans(), st.sampled_from([None, 1, 2]))
def test_never_a_conflicted_unavailable_wrong_language_or_overloaded_reviewer(
    instance: Instance, fair: bool, keep: int | None
) -> None:
    files, pool, model = instance
    chosen = RoundSettings(window=WINDOW, fair=fair, candidates_per_role=keep, spread_candidates=1)
    check_hard_constraints(files, pool, solve_round(files, pool, model, chosen))


@FAST
@given(instances())
def test_a_role_or_seat_is_missing_only_when_no_eligible_reviewer_has_room(
    instance: Instance,
) -> None:
    files, pool, model = instance
    p = solve_round(files, pool, model, RoundSettings(window=WINDOW, candidates_per_role=None))
    for file in files:
        panel = p.panels[file.file_id]
        on_panel = {x.reviewer_id for x in panel}
        with_room = [
            r
            for r in pool
            if eligible(file, r) and r.user_id not in on_panel and p.loads[r.user_id] < r.max_load
        ]
        if len(panel) < 3:
            assert not with_room
        roles = {x.role for x in panel}
        for role in PANEL_ROLES:
            if role not in roles:
                assert not [r for r in with_room if r.panel_role == role], (file, role)


@FAST
@given(instances(), st.data())
def test_a_rerun_after_one_changed_preference_moves_few_assignments(
    instance: Instance, data: st.DataObject
) -> None:
    files, pool, model = instance
    chosen = RoundSettings(window=WINDOW, candidates_per_role=None)
    first = solve_round(files, pool, model, chosen)
    existing = {fid: frozenset(x.reviewer_id for x in panel) for fid, panel in first.panels.items()}
    again = solve_round(files, pool, model, chosen, existing)
    assert again.moved == 0
    assert {(x.file_id, x.reviewer_id) for x in again.pairings} == {
        (x.file_id, x.reviewer_id) for x in first.pairings
    }
    index = data.draw(st.integers(0, len(files) - 1))
    reviewer = data.draw(st.sampled_from([r.user_id for r in pool]))
    bid = data.draw(st.sampled_from([-1.0, -0.5, 0.5, 1.0]))
    files[index] = replace(files[index], bids=((reviewer, bid),))
    changed = solve_round(files, pool, model, chosen, existing)
    check_hard_constraints(files, pool, changed)
    # the re-run gains at most 2·|bid| by moving; each dropped pairing costs move_cost
    assert changed.moved <= 2 * abs(bid) / chosen.move_cost + 1


def pool_of(roles: list[str | None], load: int = 5) -> list[PoolReviewer]:
    return [PoolReviewer(i + 1, role, frozenset({"en"}), load) for i, role in enumerate(roles)]


def traits(n: int, expertise: tuple[str, ...] = ("0613",)) -> list[ReviewerTraits]:
    return [ReviewerTraits(expertise, frozenset(), "data privacy") for _ in range(n)]


def test_composition_is_met_when_the_pool_allows_and_reported_when_not() -> None:
    roles: list[str | None] = ["subject_expert", "subject_expert", "labour_market", "learner"]
    files = [RoundFile(1, "en"), RoundFile(2, "en", conflicts=frozenset({4}))]
    model = AffinityModel([FileTraits("0613", 6, "data privacy")] * 2, traits(4))
    p = solve_round(files, pool_of(roles), model, RoundSettings(window=WINDOW))
    assert {x.role for x in p.panels[1]} == set(PANEL_ROLES)
    assert len(p.panels[2]) == 3
    assert [(s.file_id, s.missing_roles) for s in p.shortfalls] == [(2, ("learner",))]
    assert "no eligible learner" in p.shortfalls[0].reasons[0]


def test_a_higher_affinity_reviewer_wins_and_load_is_spread() -> None:
    files = [RoundFile(i, "en") for i in range(1, 5)]
    model = AffinityModel(
        [FileTraits("0613", 6, "data privacy")] * 4,
        [
            ReviewerTraits(("0613",), frozenset({6}), "data privacy"),
            ReviewerTraits(("0913",), frozenset(), "nursing care"),
            ReviewerTraits(("0612",), frozenset(), "data"),
        ],
    )
    pool = pool_of(["subject_expert"] * 3)
    one_seat = RoundSettings(window=WINDOW, panel_size=1, load_step=0.5)
    p = solve_round(files, pool, model, one_seat)
    assert p.loads == {1: 2, 2: 0, 3: 2}  # the rising cost shares the four files
    cheap = solve_round(files, pool, model, replace(one_seat, load_step=0.0))
    assert cheap.loads == {1: 4, 2: 0, 3: 0}


def most_role_seats(files: list[RoundFile], pool: list[PoolReviewer]) -> int:
    """The most (file, role) seats any assignment can fill: a bipartite matching of role
    seats to units of reviewer capacity, computed independently of the solver."""
    seats = [(f, role) for f in files for role in PANEL_ROLES]
    units = [
        r for r in pool if r.available(WINDOW) for _ in range(max(0, r.max_load - r.current_load))
    ]
    if not seats or not units:
        return 0
    gain = np.array(
        [[1 if r.panel_role == role and eligible(f, r) else 0 for r in units] for f, role in seats]
    )
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return int(gain[rows, cols].sum())


@FAST
@given(instances(max_files=4, max_reviewers=7))
def test_as_many_role_seats_are_filled_as_the_pool_allows(instance: Instance) -> None:
    files, pool, model = instance
    p = solve_round(files, pool, model, RoundSettings(window=WINDOW, candidates_per_role=None))
    filled = sum(len({x.role for x in p.panels[f.file_id]} & set(PANEL_ROLES)) for f in files)
    assert filled == most_role_seats(files, pool)


def test_a_reviewer_without_declared_languages_is_not_held_back_by_language() -> None:
    files = [RoundFile(1, "de")]
    pool = [
        PoolReviewer(1, "subject_expert", frozenset(), 3),  # no profile languages yet
        PoolReviewer(2, "learner", frozenset({"en"}), 3),
    ]
    model = AffinityModel([FileTraits("0613", 6, "daten")], traits(2))
    p = solve_round(files, pool, model, RoundSettings(window=WINDOW))
    assert [x.reviewer_id for x in p.panels[1]] == [1]
