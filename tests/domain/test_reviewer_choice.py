"""Choosing reviewers: panel balance, expertise, load, caps."""

from __future__ import annotations

import pytest

from qa.domain.reviewer_choice import Candidate, choose_reviewers, expertise_match


@pytest.mark.parametrize(
    ("field", "expertise", "score"),
    [
        ("0613", ["0613"], 3),
        ("0613", ["0612"], 2),
        ("0613", ["0688"], 1),
        ("0613", ["0913"], 0),
        ("06", ["0613"], 1),
        (None, ["0613"], 0),
        ("0613", [], 0),
        ("0542", ["0913", "0541"], 2),
    ],
)
def test_expertise_match(field: str | None, expertise: list[str], score: int) -> None:
    assert expertise_match(field, expertise) == score


def candidate(
    uid: int, expertise: str = "", role: str | None = "subject_expert", load: int = 0
) -> Candidate:
    return Candidate(uid, (expertise,) if expertise else (), role, load)


def test_a_balanced_panel_comes_first_then_expertise_then_load() -> None:
    pool = [
        candidate(1, "0613", "subject_expert", 2),
        candidate(2, "0613", "subject_expert", 0),
        candidate(3, "", "labour_market", 0),
        candidate(4, "", "learner", 5),
        candidate(5, "0913", "subject_expert", 0),
    ]
    chosen = choose_reviewers(pool, field_of_study="0613", panel=[], count=3)
    assert chosen[0] == 2  # expert, least loaded
    assert set(chosen[1:]) == {3, 4}  # the missing panel roles before a second expert


def test_nobody_at_the_load_cap_and_never_more_than_available() -> None:
    pool = [candidate(1, load=6), candidate(2, load=5)]
    assert choose_reviewers(pool, field_of_study=None, panel=[], count=3) == [2]
    assert choose_reviewers([], field_of_study=None, panel=[], count=2) == []
