"""Reviewer profiles (edit, import) and conflicts of interest (record, scan, confirm, dismiss)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.errors import Conflict, InvalidInput, NotAllowed
from qa.persistence.models import AuditEntry, OutboxMessage, ReviewerConflict, User
from qa.services.people.reviewer_profiles import (
    ImportRefused,
    get_profile,
    import_profiles,
    update_profile,
)
from qa.services.review.conflicts import (
    decide_conflict,
    pending_conflicts,
    record_conflict,
    scan_conflicts,
)
from tests.world import World

ADMIN = Actor.cli("tests")


def _actions(world: World, entity_type: str) -> list[str]:
    with world.db.session() as session:
        return list(
            session.exec(
                select(AuditEntry.action)
                .where(AuditEntry.entity_type == entity_type)
                .order_by(col(AuditEntry.id))
            ).all()
        )


def test_a_reviewer_edits_their_profile_but_not_their_panel_role(world: World) -> None:
    reviewer = world.reviewers[0]  # agnieszka, subject expert in 0542
    uid = reviewer.user_id
    assert uid is not None
    raw: dict[str, Any] = {
        "expertise": "0542; 0613",
        "panel_role": "subject_expert",
        "eqf_levels": "5;6",
        "languages": "en; pt-PT",
        "statement": "Data analysis curricula",
        "max_load": "4",
        "unavailable": "2031-07-01/2031-07-31",
    }
    saved = update_profile(world.db, reviewer, uid, raw, expected_version=None)
    assert saved.languages == ["en", "pt-PT"]
    assert saved.unavailable == [["2031-07-01", "2031-07-31"]]
    with pytest.raises(NotAllowed, match="panel role"):
        update_profile(world.db, reviewer, uid, raw | {"panel_role": "learner"}, expected_version=1)
    with pytest.raises(NotAllowed):
        update_profile(world.db, world.reviewers[1], uid, raw, expected_version=1)
    role = {"panel_role": "learner"}
    again = update_profile(world.db, ADMIN, uid, raw | role, expected_version=1)
    assert again.version == 2
    own_form = {k: v for k, v in raw.items() if k != "panel_role"}
    with pytest.raises(Conflict):
        update_profile(world.db, reviewer, uid, own_form, expected_version=1)
    with pytest.raises(InvalidInput, match="EQF"):
        update_profile(world.db, reviewer, uid, own_form | {"eqf_levels": "9"}, expected_version=2)
    with world.db.session() as session:
        user = session.get(User, uid)
        assert user is not None
        assert (user.expertise, user.panel_role) == (["0542", "0613"], "learner")
        topics = session.exec(select(OutboxMessage.topic)).all()
    assert _actions(world, "user").count("reviewer.profile_saved") == 2
    assert topics.count("reviewer.profile_saved") == 2


def test_an_import_with_one_bad_row_changes_nothing_and_names_every_error(world: World) -> None:
    rows = [
        {"username": "agnieszka", "languages": "en", "max_load": "5"},
        {"username": "soren", "expertise": "06x3", "max_load": "99"},
        {"username": "ghost"},
    ]
    with pytest.raises(ImportRefused) as refused:
        import_profiles(world.db, ADMIN, rows)
    assert [(e.row, e.field) for e in refused.value.errors] == [
        (2, "expertise"),
        (2, "max_load"),
        (3, "username"),
    ]
    with world.db.session() as session:
        assert get_profile(session, world.reviewers[0].user_id or 0) is None
    saved = import_profiles(world.db, ADMIN, rows[:1])
    assert saved[0].max_load == 5


def test_conflicts_recorded_found_confirmed_and_dismissed_with_a_reason(world: World) -> None:
    officer = world.officers[0]
    provider = world.provider.institution_id
    assert provider is not None
    recorded = record_conflict(
        world.db,
        officer,
        world.reviewers[0].user_id or 0,
        institution_id=provider,
        reason="former employee until 2024",
    )
    assert (recorded.kind, recorded.status) == ("hard", "active")
    with pytest.raises(InvalidInput):
        record_conflict(world.db, officer, 1, institution_id=provider, reason="")
    # every account in the world uses example.org, like the provider's staff
    found = scan_conflicts(world.db, officer)
    assert {f.conflict_type for f in found} == {"email_domain"}
    assert scan_conflicts(world.db, officer) == []  # nothing filed twice
    first, second, *_ = (p.row for p in pending_conflicts(world.db, officer))
    with pytest.raises(InvalidInput, match="say why"):
        decide_conflict(
            world.db, officer, first.id or 0, confirm=False, reason="", expected_version=1
        )
    dismissed = decide_conflict(
        world.db,
        officer,
        first.id or 0,
        confirm=False,
        reason="a shared public e-mail host, not an affiliation",
        expected_version=1,
    )
    assert dismissed.status == "dismissed"
    confirmed = decide_conflict(
        world.db, officer, second.id or 0, confirm=True, reason="", expected_version=1
    )
    assert confirmed.status == "confirmed"
    with pytest.raises(Conflict):
        decide_conflict(
            world.db,
            officer,
            second.id or 0,
            confirm=False,
            reason="changed my mind",
            expected_version=2,
        )
    actions = _actions(world, "reviewer_conflict")
    assert actions.count("conflict.dismissed") == 1
    assert actions.count("conflict.confirmed") == 1
    with world.db.session() as session:
        statuses = session.exec(select(ReviewerConflict.status)).all()
    assert sorted(set(statuses)) == ["active", "confirmed", "dismissed", "pending"]
