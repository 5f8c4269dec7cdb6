"""Sign-in links: stored as a hash, used once, expiring, replaced by newer ones."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlmodel import col, select

from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput, NotAllowed, NotFound
from qa.persistence.db import Database
from qa.persistence.models import AccessToken, AuditEntry, User
from qa.services.people.account_settings import FieldErrors
from qa.services.people.invitations import (
    LinkGone,
    Purpose,
    issue_link,
    issue_link_for,
    open_link,
    use_link,
)
from qa.services.people.passwords import verify_password
from qa.services.people.user_admin import set_active
from qa.services.people.users import add_user
from tests.clock import now

GOOD = "a long and private phrase"


@pytest.fixture
def user_id(db: Database, actor: Actor) -> int:
    added = add_user(
        db,
        actor,
        username="mariam.haddad",
        email="mariam@example.org",
        display_name="Mariam Haddad",
        roles=["reviewer"],
    )
    assert added.user.id is not None
    return added.user.id


def _user(db: Database, user_id: int) -> User:
    with db.session() as session:
        found = session.get(User, user_id)
    assert found is not None
    return found


def test_only_a_hash_of_the_token_is_stored(db: Database, actor: Actor, user_id: int) -> None:
    link = issue_link(db, actor, user_id)
    assert len(link.token) >= 43 and link.purpose is Purpose.INVITE
    with db.session() as session:
        row = session.exec(select(AccessToken)).one()
        audit = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.link_issued")
        ).one()
    assert row.token_hash == hashlib.sha256(link.token.encode()).hexdigest()
    assert link.token not in str(row.model_dump()) and link.token not in str(audit.after)
    assert timedelta(days=6, hours=23) < row.expires_at - now() <= timedelta(days=7)


def test_a_link_sets_the_password_once_and_ends_other_sessions(
    db: Database, actor: Actor, user_id: int
) -> None:
    link = issue_link(db, actor, user_id)
    assert open_link(db, link.token).display_name == "Mariam Haddad"
    before = _user(db, user_id).session_version
    user = use_link(db, link.token, password=GOOD, confirm=GOOD)
    stored = _user(db, user_id)
    assert stored.password_hash and verify_password(stored.password_hash, GOOD)
    assert stored.session_version == user.session_version == before + 1
    assert stored.last_login_at is not None
    with pytest.raises(LinkGone, match="already been used"):
        use_link(db, link.token, password=GOOD, confirm=GOOD)
    with pytest.raises(LinkGone):
        open_link(db, link.token)
    with db.session() as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "user.password_set_by_link")
        ).one()
    assert entry.actor_id == user_id and GOOD not in str(entry.after)


def test_an_expired_or_unknown_link_does_nothing(db: Database, actor: Actor, user_id: int) -> None:
    link = issue_link(db, actor, user_id, days=1)
    with db.write() as session:
        row = session.exec(select(AccessToken)).one()
        row.expires_at = now() - timedelta(seconds=1)
        session.add(row)
        session.commit()
    with pytest.raises(LinkGone, match="expired"):
        use_link(db, link.token, password=GOOD, confirm=GOOD)
    with pytest.raises(NotFound):
        open_link(db, link.token + "x")
    assert _user(db, user_id).session_version == 1


def test_a_new_link_replaces_the_unused_old_one(db: Database, actor: Actor, user_id: int) -> None:
    old = issue_link(db, actor, user_id)
    new = issue_link_for(db, actor, "Mariam.Haddad")
    with pytest.raises(LinkGone, match="replaced"):
        open_link(db, old.token)
    assert open_link(db, new.token).username == "mariam.haddad"
    with db.session() as session:
        rows = session.exec(select(AccessToken).order_by(col(AccessToken.id))).all()
    assert [r.revoked_at is not None for r in rows] == [True, False]


@pytest.mark.parametrize(
    ("password", "confirm", "problems"),
    [
        ("short", "short", {"password": "Use at least 12 characters."}),
        ("Mariam@Example.org", "Mariam@Example.org", {"password": "Do not use your user"}),
        ("MARIAM.HADDAD", "MARIAM.HADDAD", {"password": "Do not use your user"}),
        (GOOD, GOOD + "!", {"confirm": "The two passwords are not the same."}),
    ],
)
def test_a_weak_or_mistyped_password_is_refused_and_the_link_still_works(
    db: Database,
    actor: Actor,
    user_id: int,
    password: str,
    confirm: str,
    problems: dict[str, str],
) -> None:
    link = issue_link(db, actor, user_id)
    with pytest.raises(FieldErrors) as refused:
        use_link(db, link.token, password=password, confirm=confirm)
    assert refused.value.fields.keys() == problems.keys()
    for name, start in problems.items():
        assert refused.value.fields[name].startswith(start)
    use_link(db, link.token, password=GOOD, confirm=GOOD)


def test_after_the_first_sign_in_a_link_is_a_password_reset(
    db: Database, actor: Actor, user_id: int
) -> None:
    use_link(db, issue_link(db, actor, user_id).token, password=GOOD, confirm=GOOD)
    reset = issue_link(db, actor, user_id)
    assert reset.purpose is Purpose.PASSWORD_RESET and not open_link(db, reset.token).is_invitation


def test_deactivation_withdraws_links_and_only_admins_issue_them(
    db: Database, actor: Actor, user_id: int
) -> None:
    link = issue_link(db, actor, user_id)
    set_active(db, actor, user_id, active=False)
    with pytest.raises(LinkGone):
        open_link(db, link.token)
    with pytest.raises(InvalidInput, match="deactivated"):
        issue_link(db, actor, user_id)
    set_active(db, actor, user_id, active=True)
    with pytest.raises(LinkGone):  # reactivating does not bring old links back
        open_link(db, link.token)
    with pytest.raises(InvalidInput, match="1 to 90 days"):
        issue_link(db, actor, user_id, days=0)
    with pytest.raises(NotAllowed):
        issue_link(db, Actor("someone", user_id), user_id)
    with pytest.raises(NotFound):
        issue_link_for(db, actor, "nobody")
