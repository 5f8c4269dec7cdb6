"""The one notifier interface: SMTP when configured, otherwise the notification log."""

from __future__ import annotations

import json
import re
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from qa.config import SmtpSettings
from qa.persistence.models import Notification
from qa.services.automation.delivery import message_id

_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def header_value(value: str) -> str:
    """One line, whatever the stored text holds: a header can never gain another header."""
    return _UNSAFE.sub(" ", value).strip()


class Notifier(Protocol):
    channel: str

    def send(self, note: Notification) -> None: ...


class SmtpNotifier:
    channel = "smtp"

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.domain = header_value(smtp.sender.rpartition("@")[2]) or "qa.localhost"

    def send(self, note: Notification) -> None:
        recipient = note.recipient_email.strip()
        if header_value(recipient) != recipient or "," in recipient:
            raise ValueError(f"not a single e-mail address: {recipient!r}")
        message = EmailMessage()
        message["From"] = header_value(self.smtp.sender)
        message["To"] = recipient
        message["Subject"] = header_value(note.subject)
        message["Message-ID"] = message_id(note.key, self.domain)
        message.set_content(note.body)
        with smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=30) as client:
            if self.smtp.starttls:
                client.starttls()
            if self.smtp.username and self.smtp.password:
                client.login(self.smtp.username, self.smtp.password)
            client.send_message(message)


class LogNotifier:
    """Appends one JSON line per message to a file the UI can show (no mail server needed)."""

    channel = "log"

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, note: Notification) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {
            "id": note.id,
            "message_id": message_id(note.key, "qa.localhost"),
            "to": note.recipient_email,
            "subject": note.subject,
            "body": note.body,
            "submission": note.submission_id,
            "queued_at": note.created_at.isoformat(),
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
