"""People, roles and institutions: validation, uniqueness, password hashing, audit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from qa.domain.actor import Actor
from qa.domain.enums import Role
from qa.domain.errors import Conflict, InvalidInput
from qa.persistence.db import Database
from qa.persistence.models import AuditEntry, User
from qa.services.operations.setup import has_admin
from qa.services.people.institutions import add_institution
from qa.services.people.passwords import verify_password
from qa.services.people.users import add_user, roles_of, users_with_role


def test_a_user_gets_roles_a_hashed_password_and_an_audit_entry(db: Database, actor: Actor) -> None:
    add_institution(db, actor, code="FI-KRAO", name="Koskenrannan ammattiopisto", country="FIN")
    new = add_user(
        db,
        actor,
        username="paivi",
        email="Paivi@Example.org",
        display_name="Päivi Häkkinen",
        roles=["provider", "reviewer", "provider"],
        institution_code="FI-KRAO",
    )
    assert new.user.id is not None and new.generated_password
    assert roles_of(db, new.user.id) == (Role.PROVIDER, Role.REVIEWER)
    assert [u.username for u in users_with_role(db, Role.REVIEWER)] == ["paivi"]
    with db.session() as session:
        stored = session.exec(select(User)).one()
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "user.added")).one()
    assert stored.email == "paivi@example.org"
    assert stored.password_hash and stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, new.generated_password)
    assert not verify_password(stored.password_hash, "wrong")
    assert entry.after is not None and "password_hash" not in entry.after
    assert entry.after["roles"] == ["provider", "reviewer"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"username": "Bad Name"}, "username 'Bad Name'"),
        ({"email": "not-an-email"}, "is not an e-mail address"),
        ({"roles": ["boss"]}, "role 'boss' is not one of"),
        ({"roles": []}, "give at least one role"),
        ({"password": "short"}, "at least 10 characters"),
        ({"roles": ["provider"]}, "must belong to an institution"),
    ],
)
def test_bad_user_input_is_refused_with_the_reason(
    db: Database, actor: Actor, changes: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {
        "username": "ok.user",
        "email": "ok@example.org",
        "display_name": "Ok",
        "roles": ["reviewer"],
    } | changes
    with pytest.raises(InvalidInput) as caught:
        add_user(db, actor, **fields)  # type: ignore[arg-type]
    assert any(message in problem for problem in caught.value.problems) or message in str(
        caught.value
    )
    with db.session() as session:
        assert session.exec(select(User)).all() == []


def test_usernames_and_emails_are_unique(db: Database, actor: Actor) -> None:
    add_user(db, actor, username="ab", email="a@example.org", display_name="A", roles=["admin"])
    assert has_admin(db)
    with pytest.raises(Conflict, match="username 'ab' is taken"):
        add_user(
            db, actor, username="ab", email="b@example.org", display_name="B", roles=["reviewer"]
        )
    with pytest.raises(Conflict, match="already exists"):
        add_user(
            db, actor, username="bb", email="A@example.org", display_name="B", roles=["reviewer"]
        )


def test_institutions_need_a_real_country_and_a_unique_code(db: Database, actor: Actor) -> None:
    added = add_institution(db, actor, code="GR-UNI", name="Panepistimio", country="EL")
    assert added.country == "GR"
    with pytest.raises(Conflict):
        add_institution(db, actor, code="GR-UNI", name="Other", country="GR")
    with pytest.raises(InvalidInput) as caught:
        add_institution(db, actor, code="?", name="", country="Atlantis", kind="club")
    assert len(caught.value.problems) == 4
