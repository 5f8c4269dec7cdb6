"""Officers see the notifications that could not be sent, and send them again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import time_machine

from qa.persistence.models import Notification
from qa.services.automation.delivery import MAX_ATTEMPTS, dead_letters, deliver
from tests.clock import now
from tests.services.test_delivery import _queue
from tests.web.conftest import WebUser
from tests.world import World


def test_officers_see_dead_letters_and_send_them_again(
    world: World, web: Callable[[str], WebUser]
) -> None:
    _queue(world.db, 1, prefix="broken")

    def refuse(note: Notification) -> None:
        raise ConnectionRefusedError("mail server down")

    for attempt in range(MAX_ATTEMPTS):
        with time_machine.travel(now() + timedelta(days=attempt + 1), tick=True):
            deliver(world.db, refuse, "smtp", worker="w")
    officer = web("aoife")
    page = officer.get("/officer/notifications").text
    assert "mail server down" in page and "Message 0" in page
    assert "/officer/notifications" in officer.get("/officer").text
    note_id = dead_letters(world.db, world.officers[0])[0][0].id
    assert officer.post(f"/officer/notifications/{note_id}/retry").status_code == 303
    assert "Every notification has been sent" in officer.get("/officer/notifications").text
    assert web("ines").get("/officer/notifications").status_code == 403
