"""Conflict heuristics and the profile validator: plain functions."""

from __future__ import annotations

import unicodedata
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from qa.domain.conflict_rules import (
    ProviderFacts,
    ReviewerFacts,
    awarding_body_match,
    awarding_body_names,
    findings,
    normalise_institution,
)
from qa.domain.panel_round import Period
from qa.domain.reviewer_profile import parse_profile


def test_institution_names_match_after_normalisation() -> None:
    assert normalise_institution("Universidade do Porto, U.P.") == normalise_institution(
        "universidade  porto u p"
    )
    assert normalise_institution("Instituto Politécnico") == "instituto politecnico"


def test_findings_sort_hard_from_potential() -> None:
    provider = ProviderFacts(7, "Instituto Politécnico", ("staff@ipvn.pt",), ("IPVN Academy",))
    reviewers = [
        ReviewerFacts(1, "a@ipvn.pt", None, None, ()),
        ReviewerFacts(2, "b@gmail.com", 7, None, ()),
        ReviewerFacts(3, "c@uni.example", None, "INSTITUTO POLITECNICO", ()),
        ReviewerFacts(4, "d@uni.example", None, None, ("ipvn academy",)),
        ReviewerFacts(5, "e@gmail.com", None, "Elsewhere", ()),
    ]
    found = {(f.reviewer_id, f.conflict_type, f.hard) for f in findings(reviewers, [provider])}
    assert found == {
        (1, "email_domain", False),
        (2, "same_institution", True),
        (3, "institution_name", False),
        (4, "former_institution", False),
    }


def test_a_profile_is_parsed_or_every_field_error_is_named() -> None:
    values, errors = parse_profile(
        {"expertise": "0613;06", "languages": "en-GB", "unavailable": "2031-01-02/2031-01-09"}
    )
    assert errors == {}
    assert values is not None
    assert values.unavailable == (Period(date(2031, 1, 2), date(2031, 1, 9)),)
    _, errors = parse_profile(
        {
            "expertise": "math",
            "panel_role": "chair",
            "languages": "english!",
            "unavailable": "2031-01-09/2031-01-02",
            "max_load": "0",
        }
    )
    assert set(errors) == {"expertise", "panel_role", "languages", "unavailable", "max_load"}


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúçãõü", min_size=3, max_size=9)


def _disguise(name: str, draw: st.DrawFn) -> str:
    """The same institution as a person might type it: case, accents off, punctuation,
    extra spaces and filler words."""
    words = name.split()
    if draw(st.booleans()):
        words = [w.upper() for w in words]
    if draw(st.booleans()):
        plain = unicodedata.normalize("NFKD", " ".join(words)).encode("ascii", "ignore")
        words = plain.decode().split()
    filler = draw(st.sampled_from(["", "The ", "de ", "Ltd. "]))
    separator = draw(st.sampled_from([" ", "  ", ", ", " - ", ". "]))
    return filler + separator.join(words) + draw(st.sampled_from(["", ".", ",", " GmbH"]))


@st.composite
def _bodies_and_disguise(draw: st.DrawFn) -> tuple[list[str], int, str]:
    bodies = draw(st.lists(st.lists(_WORD, min_size=1, max_size=4).map(" ".join), min_size=1))
    at = draw(st.integers(0, len(bodies) - 1))
    return bodies, at, _disguise(bodies[at], draw)


@given(_bodies_and_disguise(), st.one_of(st.none(), _WORD))
def test_an_awarding_body_is_found_however_the_reviewer_writes_it(
    case: tuple[list[str], int, str], account: str | None
) -> None:
    bodies, at, typed = case
    assume(normalise_institution(bodies[at]))  # not only filler words
    found = awarding_body_match([account, typed], bodies)
    assert found is not None
    assert normalise_institution(found) in {normalise_institution(n) for n in (account, typed) if n}
    assert awarding_body_match([typed], [bodies[at]]) == bodies[at]


@given(st.lists(st.lists(_WORD, min_size=1, max_size=3).map(" ".join), min_size=1), _WORD)
def test_a_different_institution_is_no_awarding_body_conflict(bodies: list[str], own: str) -> None:
    if normalise_institution(own) in {normalise_institution(b) for b in bodies}:
        return
    assert awarding_body_match([own, None, ""], bodies) is None


def test_awarding_body_names_come_from_the_descriptor() -> None:
    data = {"awarding_bodies": [{"name": "IPVN"}, {"name": ""}, "junk", {"identifiers": []}]}
    assert awarding_body_names(data) == ("IPVN",)
    assert awarding_body_names({"awarding_bodies": "IPVN"}) == ()
    assert awarding_body_names({}) == ()
