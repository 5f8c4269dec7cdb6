"""The agency's list of decisions and an audit pack of the same filter hold the same rounds."""

from __future__ import annotations

from datetime import date

import pytest

from qa.export.pack import PackFilter
from qa.services.pages.agency_pages import DecisionFilter, decided_submissions
from tests.export.conftest import WHOLE_YEAR, Decided, PackReader

FILTERS = {
    "the whole year": WHOLE_YEAR,
    "May, when C's first round was sent back": PackFilter(date(2026, 5, 1), date(2026, 5, 31)),
    "June and July": PackFilter(date(2026, 6, 1), date(2026, 7, 31)),
    "revise and resubmit only": PackFilter(
        date(2026, 1, 1), date(2026, 12, 31), decision="revise_and_resubmit"
    ),
    "approved with conditions only": PackFilter(
        date(2026, 1, 1), date(2026, 12, 31), decision="approved_with_conditions"
    ),
    "one provider": PackFilter(date(2026, 1, 1), date(2026, 12, 31), provider_code="PT-IPVN"),
}


def _listed(decided: Decided, wanted: PackFilter) -> set[tuple[int, int]]:
    shown = DecisionFilter(
        wanted.date_from, wanted.date_to, wanted.provider_code or "", wanted.decision or ""
    )
    rows = decided_submissions(decided.db, decided.world.officers[0], shown).rows
    return {(row.submission_id, row.round_number) for row in rows}


def _packed(decided: Decided, name: str, wanted: PackFilter) -> set[tuple[int, int]]:
    records = PackReader(decided.build(name, wanted).path).records("Decisions")
    return {(int(r["submission_id"]), int(r["round"])) for r in records}


@pytest.mark.parametrize("label", FILTERS)
def test_the_agency_list_and_the_pack_hold_the_same_rounds(decided: Decided, label: str) -> None:
    wanted = FILTERS[label]
    packed = _packed(decided, f"agrees-{list(FILTERS).index(label)}.zip", wanted)
    assert packed, "each filter packs something (else the comparison proves nothing)"
    assert _listed(decided, wanted) == packed


def test_a_revise_and_resubmit_round_is_listed_beside_the_later_round(decided: Decided) -> None:
    c = decided.ids["C"]
    listed = _listed(decided, WHOLE_YEAR)
    assert {(c, 1), (c, 2)} <= listed
    assert (c, 1) in _packed(decided, "agrees-c.zip", WHOLE_YEAR)
