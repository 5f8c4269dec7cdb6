"""Notification delivery as a leased outbox: exactly once among live workers, retried after a
kill, never blocked by one bad message, never a header injected."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import insert
from sqlmodel import col, select

from qa.config import SmtpSettings
from qa.domain.actor import Actor
from qa.domain.errors import InvalidInput
from qa.persistence.db import Database
from qa.persistence.models import Notification, User
from qa.services.automation.delivery import (
    LEASE,
    MAX_ATTEMPTS,
    claim,
    dead_letters,
    deliver,
    message_id,
    retry_dead_letter,
)
from qa.services.people.notifications import notify
from qa.services.people.users import add_user
from qa.services.review.deadlines import apply_deadlines
from tests.clock import now
from tests.smtp_sink import smtp_sink
from tests.world import World
from workflows.notifier import SmtpNotifier


def _queue(db: Database, count: int, prefix: str = "k") -> None:
    with db.write() as session:
        person = session.exec(select(User).where(User.username == "ines")).one()
        for n in range(count):
            notify(session, f"{prefix}{n}", person, f"Message {n}", "Body.")
        session.commit()


def test_everything_queued_is_delivered_not_just_one_batch(world: World) -> None:
    _queue(world.db, 1200)
    sent: list[str] = []
    run = deliver(world.db, lambda note: sent.append(note.key), "log", worker="w1")
    assert run.sent == 1200 and len(set(sent)) == 1200


def test_two_workers_deliver_each_message_once(world: World) -> None:
    _queue(world.db, 400)
    sent: Counter[str] = Counter()
    lock = threading.Lock()

    def send(note: Notification) -> None:
        with lock:
            sent[note.key] += 1

    databases = [Database(world.db.url.render_as_string(hide_password=False)) for _ in range(2)]
    workers = [threading.Thread(target=deliver, args=(db, send, "log")) for db in databases]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for db in databases:
        db.dispose()
    assert len(sent) == 400 and set(sent.values()) == {1}


def test_a_killed_workers_batch_is_sent_by_another_after_the_lease(world: World) -> None:
    _queue(world.db, 5)
    taken = claim(world.db, "killed-worker")  # claimed, then the worker died
    assert len(taken) == 5
    sent: list[str] = []
    assert deliver(world.db, lambda note: sent.append(note.key), "log", worker="w2").sent == 0
    with time_machine.travel(now() + LEASE + timedelta(seconds=1), tick=True):
        assert deliver(world.db, lambda note: sent.append(note.key), "log", worker="w2").sent == 5
    assert sorted(sent) == [f"k{n}" for n in range(5)]


def test_the_deadlines_flow_queues_and_delivery_sends_without_routing(
    world: World, good_descriptor: dict[str, object]
) -> None:
    submission_id = world.to_peer_review(good_descriptor)
    assert submission_id
    deliver(world.db, lambda note: None, "log", worker="w")  # the invitations
    run = apply_deadlines(world.db, today=world.today + timedelta(days=4))
    assert run.reminded >= 1
    sent: list[str] = []
    assert deliver(world.db, lambda note: sent.append(note.key), "log", worker="w").sent >= 1
    assert any(key.startswith("remind:") for key in sent)


def test_one_bad_message_never_blocks_the_others_and_ends_a_dead_letter(world: World) -> None:
    _queue(world.db, 3)
    with world.db.write() as session:  # a row that somehow holds a header injection
        session.execute(
            insert(Notification).values(
                key="evil",
                recipient_email="victim@example.org\r\nBcc: all@example.org",
                subject="Hello\r\nBcc: everyone@example.org",
                body="x",
                created_at=now(),
                channel="log",
                attempts=0,
            )
        )
        session.commit()
    with smtp_sink() as (port, received):
        notifier = SmtpNotifier(
            SmtpSettings("127.0.0.1", port, starttls=False, sender="qa@office.example")
        )
        run = deliver(world.db, notifier.send, notifier.channel, worker="w")
        assert (run.sent, run.failed) == (3, 1)
        for attempt in range(2, MAX_ATTEMPTS + 1):
            with time_machine.travel(now() + timedelta(days=attempt), tick=True):
                deliver(world.db, notifier.send, notifier.channel, worker="w")
    assert len(received) == 3
    assert all("Bcc" not in str(message) for message in received)
    ids = {m["Message-ID"] for m in received}
    assert len(ids) == 3 and all(i.endswith("@office.example>") for i in ids)
    officer = world.officers[0]
    dead, total = dead_letters(world.db, officer)
    assert total == 1 and dead[0].key == "evil" and dead[0].attempts == MAX_ATTEMPTS
    assert "not a single e-mail address" in (dead[0].last_error or "")
    retried = retry_dead_letter(world.db, officer, dead[0].id or 0)
    assert retried.dead_at is None and retried.attempts == 0


def test_the_message_id_is_the_same_on_every_attempt() -> None:
    assert message_id("invite:7", "office.example") == message_id("invite:7", "office.example")
    assert message_id("invite:7", "x") != message_id("invite:8", "x")


def test_single_line_fields_refuse_line_breaks_at_input(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_user(
            world.db,
            Actor.cli("tests"),
            username="mallory",
            email="m@example.org\nBcc: x@example.org",
            display_name="Mallory",
            roles=["reviewer"],
        )
    assert any("e-mail" in p for p in refused.value.problems)
    with world.db.session() as session:
        assert session.exec(select(User).where(col(User.username) == "mallory")).first() is None
