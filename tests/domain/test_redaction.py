"""The redaction engine: every way a person is written is found, ordinary words are not."""

from __future__ import annotations

from qa.domain.redaction import Identity, Redactor

SOREN = Identity("Søren Kjærgaard", "skjaer", "soren.k@uni.example", "R01")
WILL = Identity("Will Smith", "wsmith", "w.smith@uni.example", "R02")


def test_names_user_names_and_e_mails_are_replaced_in_any_case_and_without_accents() -> None:
    scrub = Redactor([SOREN, WILL])
    assert scrub("Søren Kjærgaard agreed") == "R01 agreed"
    assert scrub("SOREN KJAERGAARD agreed") == "R01 agreed"  # typed without accents, in capitals
    assert scrub("mail soren.k@uni.example or soren.k") == "mail R01 or R01"
    assert scrub("as skjaer said; Kjærgaard's view") == "as R01 said; R01's view"
    assert scrub("Smith will check it") == "R02 will check it"  # the verb is not the name part


def test_names_inside_other_words_are_left_alone() -> None:
    scrub = Redactor([WILL])
    assert scrub("goldsmith and wsmiths") == "goldsmith and wsmiths"
    assert scrub("Smithson") == "Smithson"


def test_the_first_identity_wins_a_shared_needle_and_short_needles_are_ignored() -> None:
    scrub = Redactor([Identity("Ann Lee", "al", "al@x.example", "R01"), WILL])
    assert scrub("al said") == "al said"  # two letters: too short to be a needle
    assert scrub("al@x.example") == "R01"
