"""Audit packs per requester: the probe's attack, the visibility rule, and bounded requests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput, NotFound
from qa.domain.pack_access import MAX_WAITING_PER_USER, can_see_pack
from qa.export.pack import DeqarConfig, PackFilter
from qa.export.pack_jobs import build_next, facts_of, get_pack, list_packs, request_pack
from qa.persistence.models import AuditPack
from tests.clock import TODAY
from tests.web.conftest import WebUser
from tests.world import World

THIS_YEAR = {"date_from": f"{TODAY.year}-01-01", "date_to": f"{TODAY.year}-12-31"}
PERIOD = PackFilter(TODAY.replace(month=1, day=1), TODAY.replace(month=12, day=31))


@pytest.fixture
def agencies(world: World) -> dict[str, Actor]:
    """Two auditors of one agency, one of another."""
    return {
        "astrid": world.add_agency_user("astrid", "AG-A3ES"),
        "alvaro": world.add_agency_user("alvaro", "AG-A3ES"),
        "birgit": world.add_agency_user("birgit", "AG-NOKUT"),
    }


def test_a_pack_that_names_reviewers_is_never_listed_or_served_to_an_agency(
    world: World,
    agencies: dict[str, Actor],
    web: Callable[[str], WebUser],
    good_descriptor: dict[str, Any],
) -> None:
    """The probe: an officer's pack with reveal_reviewers=1 was listed and downloadable."""
    world.to_sign_off(good_descriptor)
    officer = web("aoife")
    asked = officer.post("/agency/packs", THIS_YEAR | {"reveal_reviewers": "1"})
    assert asked.status_code == 303
    app: Any = officer.client.app
    folder = Path(app.state.settings.packs_dir)
    assert build_next(world.db, folder, DeqarConfig()) is not None
    with world.db.session() as session:
        named = session.exec(select(AuditPack)).one()
    assert named.reveal_reviewers and named.status == "ready"
    assert f"/agency/packs/{named.id}/download" in officer.get("/agency/packs", htmx=True).text
    auditor = web("astrid")
    listing = auditor.get("/agency/packs", htmx=True)
    assert listing.status_code == 200 and f"/agency/packs/{named.id}/" not in listing.text
    refused = auditor.get(f"/agency/packs/{named.id}/download")
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/")
    assert officer.get(f"/agency/packs/{named.id}/download").status_code == 200


def test_packs_belong_to_their_requesters_organisation(
    world: World, agencies: dict[str, Actor]
) -> None:
    officer = world.officers[0]
    packs = {
        "astrid's": request_pack(world.db, agencies["astrid"], PERIOD),
        "birgit's": request_pack(world.db, agencies["birgit"], PERIOD),
        "the office's": request_pack(world.db, officer, PERIOD),
        "named": request_pack(world.db, officer, PERIOD, reveal_reviewers=True),
    }
    expected = {
        "astrid": {"astrid's"},
        "alvaro": {"astrid's"},  # same agency
        "birgit": {"birgit's"},
    }
    for name, auditor in agencies.items():
        seen = {p.id for p in list_packs(world.db, auditor)}
        assert seen == {packs[k].id for k in expected[name]}, name
        for key, pack in packs.items():
            assert pack.id is not None
            if key in expected[name]:
                assert get_pack(world.db, auditor, pack.id).id == pack.id
            else:
                with pytest.raises(NotFound, match="does not exist"):
                    get_pack(world.db, auditor, pack.id)
    assert {p.id for p in list_packs(world.db, officer)} == {p.id for p in packs.values()}


def test_the_listing_query_and_the_policy_agree_on_every_pack(
    world: World, agencies: dict[str, Actor]
) -> None:
    """Every combination of requester, organisation, schedule and names, for every viewer."""
    people = [*agencies.values(), world.officers[0]]
    with world.db.write() as session:
        combinations = itertools.product([*people, None], [False, True], [False, True])
        for number, (requester, reveal, scheduled) in enumerate(combinations):
            session.add(
                AuditPack(
                    requested_by=requester.user_id if requester else None,
                    organisation_id=requester.institution_id if requester else None,
                    filter=PERIOD.as_dict(),
                    reveal_reviewers=reveal,
                    schedule_key=f"test:{number}" if scheduled else None,
                )
            )
        session.commit()
        everything = list(session.exec(select(AuditPack)))
    for viewer in people:
        listed = {p.id for p in list_packs(world.db, viewer, limit=1000)}
        allowed = {p.id for p in everything if can_see_pack(viewer, facts_of(p))}
        assert listed == allowed, viewer.label
    assert any(not can_see_pack(agencies["astrid"], facts_of(p)) for p in everything)
    assert any(can_see_pack(agencies["astrid"], facts_of(p)) for p in everything)


def test_pack_requests_are_bounded(world: World, agencies: dict[str, Actor]) -> None:
    auditor = agencies["astrid"]
    far = PackFilter(TODAY.replace(year=9999 - 1), TODAY.replace(year=9999 - 1))
    with pytest.raises(InvalidInput) as raised:
        request_pack(world.db, auditor, far)
    assert "last day must be on or before" in " ".join(raised.value.problems)
    with pytest.raises(InvalidInput) as raised:
        request_pack(world.db, auditor, PackFilter(TODAY - timedelta(days=5 * 365), TODAY))
    assert "at most three years" in " ".join(raised.value.problems)
    for code in ("XX-NOBODY", "P" * 5000):
        with pytest.raises(InvalidInput, match="no provider has the code") as raised:
            request_pack(world.db, auditor, PackFilter(PERIOD.date_from, PERIOD.date_to, code))
        assert len(str(raised.value)) < 200
    request_pack(world.db, auditor, PackFilter(PERIOD.date_from, PERIOD.date_to, "PT-IPVN"))
    for _ in range(MAX_WAITING_PER_USER - 1):
        request_pack(world.db, auditor, PERIOD)
    with pytest.raises(InvalidInput, match="packs waiting"):
        request_pack(world.db, auditor, PERIOD)
    request_pack(world.db, agencies["alvaro"], PERIOD)  # the quota is each person's own


def test_the_role_is_checked_before_the_form(world: World, web: Callable[[str], WebUser]) -> None:
    """A provider posting garbage learns nothing about valid input: 403, not 422."""
    refused = web("ines").post("/agency/packs", {"date_from": "garbage", "provider": "x" * 9000})
    assert refused.status_code == 403
