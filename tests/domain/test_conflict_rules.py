"""Conflict heuristics and the profile validator: plain functions."""

from __future__ import annotations

from datetime import date

from qa.domain.conflict_rules import ProviderFacts, ReviewerFacts, findings, normalise_institution
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
