"""Notifications: queued once per key, delivered by SMTP (to a local sink) or to the log."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from qa.config import SmtpSettings
from qa.persistence.db import Database
from qa.persistence.models import Notification, User
from qa.services.automation.delivery import deliver_pending
from qa.services.people.notifications import notify
from tests.smtp_sink import smtp_sink
from tests.world import World
from workflows.notifier import LogNotifier, SmtpNotifier


def queue_two(db: Database) -> User:
    with db.write() as session:
        person = session.exec(select(User).where(User.username == "ines")).one()
        assert notify(session, "k1", person, "Invitation", "Please review.")
        assert not notify(session, "k1", person, "Invitation", "Please review.")
        assert notify(session, "k2", person, "Reminder", "Due in 3 days, ünïcode ok.")
        session.commit()
        return person


def test_smtp_delivery_reaches_the_sink_exactly_once(world: World) -> None:
    person = queue_two(world.db)
    with smtp_sink() as (port, received):
        notifier = SmtpNotifier(
            SmtpSettings("127.0.0.1", port, starttls=False, sender="qa@agency.example")
        )
        assert deliver_pending(world.db, notifier.send, notifier.channel) == 2
        assert deliver_pending(world.db, notifier.send, notifier.channel) == 0
    assert [m["Subject"] for m in received] == ["Invitation", "Reminder"]
    assert received[0]["To"] == person.email and received[0]["From"] == "qa@agency.example"
    assert "ünïcode" in received[1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    with world.db.session() as session:
        notes = session.exec(select(Notification)).all()
    assert all(n.sent_at is not None and n.channel == "smtp" for n in notes)


def test_without_smtp_messages_go_to_the_notification_log(world: World, tmp_path: Path) -> None:
    queue_two(world.db)
    log = tmp_path / "notifications.log"
    notifier = LogNotifier(log)
    deliver_pending(world.db, notifier.send, notifier.channel)
    lines = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    assert [line["subject"] for line in lines] == ["Invitation", "Reminder"]
    assert lines[0]["to"] == "ines@example.org"
