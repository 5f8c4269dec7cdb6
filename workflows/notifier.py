"""The one notifier interface: SMTP when configured, otherwise the notification log."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from qa.config import SmtpSettings
from qa.persistence.models import Notification


class Notifier(Protocol):
    channel: str

    def send(self, note: Notification) -> None: ...


class SmtpNotifier:
    channel = "smtp"

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp

    def send(self, note: Notification) -> None:
        message = EmailMessage()
        message["From"] = self.smtp.sender
        message["To"] = note.recipient_email
        message["Subject"] = note.subject
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
            "to": note.recipient_email,
            "subject": note.subject,
            "body": note.body,
            "submission": note.submission_id,
            "queued_at": note.created_at.isoformat(),
        }
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, ensure_ascii=False) + "\n")
