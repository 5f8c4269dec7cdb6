"""Pseudonyms per pack and scrubbing of free text."""

from __future__ import annotations

import json

from qa.export.pack.pseudonyms import People, Person, in_pack_order

PEOPLE = [
    Person(7, "reviewer", "Maria Schmidt", "mschmidt", "maria@uni.example"),
    Person(3, "reviewer", "Jan de Vries", "jdv", "jan@uni.example"),
    Person(9, "officer", "Aoife Byrne", "aoife", "aoife@agency.example"),
]


def test_pseudonyms_follow_the_given_order_per_kind() -> None:
    people = People(PEOPLE, reveal=False)
    assert [people.name(7), people.name(3), people.name(9)] == ["R01", "R02", "O01"]
    assert people.name(None) == ""
    assert people.name(42) == "U01"  # someone not looked up: still a pseudonym
    assert people.pseudonyms == {
        "R01": "reviewer",
        "R02": "reviewer",
        "O01": "officer",
        "U01": "user",
    }


def test_unknown_people_are_looked_up_once() -> None:
    asked: list[int] = []

    def lookup(user_id: int) -> Person | None:
        asked.append(user_id)
        return Person(user_id, "provider", "Inês Araújo", "ines", "ines@ipvn.example")

    people = People(PEOPLE, reveal=False, lookup=lookup)
    assert people.name(11) == people.name(11) == "P01"
    assert asked == [11]
    assert people.scrub("Sent to Inês Araújo today") == "Sent to P01 today"


def test_free_text_is_scrubbed_of_names_usernames_and_emails() -> None:
    people = People(PEOPLE, reveal=False)
    text = "Maria Schmidt (maria@uni.example) agreed with JDV; aoife signed. Mschmidtova too."
    assert people.scrub(text) == "R01 (R01) agreed with R02; O01 signed. Mschmidtova too."
    assert people.scrub("nothing personal") == "nothing personal"
    assert people.scrub(None) is None


def test_user_ids_in_audit_values_become_pseudonyms() -> None:
    people = People(PEOPLE, reveal=False)
    value = {"reviewer_id": 3, "invited_by": 9, "note": "by jdv", "list": [{"met_by": 7}], "id": 3}
    assert people.scrub_json(value) == {
        "reviewer_id": "R02",
        "invited_by": "O01",
        "note": "by R02",
        "list": [{"met_by": "R01"}],
        "id": 3,
    }
    stored = json.dumps(value)
    assert json.loads(people.scrub_json_text(stored) or "") == people.scrub_json(value)
    assert people.scrub_json_text('{"level": 3, "comment": "fine"}') == (
        '{"level": 3, "comment": "fine"}'  # nothing to change: the stored text as it is
    )
    assert people.scrub_json_text('{"note": "Ines Ara\\u00fajo"}') == '{"note": "Ines Araújo"}'
    assert people.scrub_json_text("null") is None


def test_revealing_names_people_and_leaves_text_alone() -> None:
    people = People(PEOPLE, reveal=True)
    assert people.name(7) == "Maria Schmidt"
    assert people.scrub("Maria Schmidt agreed") == "Maria Schmidt agreed"
    assert people.scrub_json({"reviewer_id": 3}) == {"reviewer_id": 3}
    assert people.pseudonyms == {}


def test_pack_order_sorts_pseudonyms_by_number_and_names_after() -> None:
    """With more than 99 reviewers, R100 comes after R99, not between R10 and R11."""
    names = ["R100", "R11", "R09", "O02", "R10", "Ana Costa", "R99", "O10"]
    assert sorted(names, key=in_pack_order) == [
        "O02",
        "O10",
        "R09",
        "R10",
        "R11",
        "R99",
        "R100",
        "Ana Costa",
    ]
