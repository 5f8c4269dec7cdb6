"""A condition reported met: the officer who signed the decision is told by e-mail, and the
provider's people hear whether the QA office confirmed it or sent the report back."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from qa.persistence.models import Condition, Notification, User
from qa.services.decisions.decisions import ConditionInput, sign_off
from tests.web.test_provider_web import Web
from tests.world import World


def _mail(world: World, after: int = 0) -> list[tuple[str, str, str]]:
    """(recipient, subject, body) of every queued message with an id above `after`."""
    with world.db.session() as session:
        rows = session.exec(
            select(User.username, Notification.subject, Notification.body)
            .join(User, col(User.id) == col(Notification.recipient_id))
            .where(col(Notification.id) > after)
            .order_by(col(Notification.id))
        ).all()
    return [(str(u), str(s), str(b)) for u, s, b in rows]


def _last_id(world: World) -> int:
    with world.db.session() as session:
        ids = session.exec(select(Notification.id).order_by(col(Notification.id).desc())).first()
    return ids or 0


def _condition(world: World) -> Condition:
    with world.db.session() as session:
        return session.exec(select(Condition)).one()


def test_reporting_sending_back_and_confirming_a_condition_tell_the_other_side(
    web: Web, world: World, good_descriptor: dict[str, Any]
) -> None:
    submission_id = world.to_sign_off(good_descriptor)
    sign_off(
        world.db,
        world.officers[1],  # lukas signs: he follows the conditions
        submission_id,
        expected_version=world.submission(submission_id).version,
        decision="approved_with_conditions",
        rationale="Publish the exam regulations before the first cohort starts.",
        today=world.today,
        conditions=[
            ConditionInput(
                "Publish the exam regulations", "Exams office", world.today + timedelta(days=60)
            )
        ],
    )
    ines, aoife = web("ines"), web("aoife")
    condition = _condition(world)
    report = f"/submissions/{submission_id}/conditions/{condition.id}/report"
    before = _last_id(world)
    evidence = "Published on the course page, section Exams."
    reported = ines.post(report, {"version": condition.version, "evidence": evidence})
    assert reported.status_code == 303
    told = _mail(world, before)
    assert [(who, subject) for who, subject, _ in told] == [
        ("lukas", "Condition reported met: Applied Data Analysis with Python")
    ]
    assert evidence in told[0][2] and "Publish the exam regulations" in told[0][2]

    # the officer finds it short and sends it back with what is missing
    condition, before = _condition(world), _last_id(world)
    page = aoife.get(f"/officer/submissions/{submission_id}").text
    assert f'action="/officer/conditions/{condition.id}/send-back"' in page
    back = f"/officer/conditions/{condition.id}/send-back"
    short = aoife.post(back, {"version": condition.version, "note": ""})
    assert short.status_code == 422 and _condition(world).evidence == evidence
    note = "The page does not show the regulations yet."
    sent_back = aoife.post(back, {"version": condition.version, "note": note})
    assert sent_back.status_code == 303
    condition = _condition(world)
    assert condition.evidence is None and condition.status == "open"
    told = _mail(world, before)
    assert {who for who, _, _ in told} == {"ines"}
    assert told[0][1] == "Applied Data Analysis with Python: condition not met yet"
    assert note in told[0][2] and "Aoife" not in told[0][2]  # the office's names stay out
    assert "Report it as met" in ines.get(f"/submissions/{submission_id}").text

    # reported again, the signer hears again; confirmed, the provider hears it
    before = _last_id(world)
    ines.post(report, {"version": condition.version, "evidence": evidence + " (now live)"})
    assert [who for who, _, _ in _mail(world, before)] == ["lukas"]
    condition, before = _condition(world), _last_id(world)
    met = aoife.post(
        f"/officer/conditions/{condition.id}/met",
        {"version": condition.version, "evidence": evidence},
    )
    assert met.status_code == 303 and _condition(world).status == "met"
    subjects = [(who, subject) for who, subject, _ in _mail(world, before)]
    assert ("ines", "Applied Data Analysis with Python: condition met") in subjects
