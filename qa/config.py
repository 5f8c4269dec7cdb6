"""Settings: the only module that reads the environment.

`QA_DATA_DIR` (default `./var`) holds the SQLite database, Prefect's home and the
notification log; `QA_DATABASE_URL` points at PostgreSQL (or any SQLAlchemy URL) instead.
Every variable is listed in the README's configuration table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from qa.domain.clock import SystemClock, office_zone
from qa.domain.deadlines import DeadlinePolicy
from qa.domain.errors import InvalidInput
from qa.domain.review_settings import ReviewSettings

T = TypeVar("T")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "qa@localhost"
    starttls: bool = True


@dataclass(frozen=True)
class DeqarSettings:
    """The agency's identifiers for the DEQAR sheet of audit packs (DOMAIN.md §6)."""

    agency_id: str = ""
    activity_id: str = ""
    status: int = 2
    report_language: str = "eng"
    report_url: str = ""


@dataclass(frozen=True)
class WebSecuritySettings:
    """Sessions, cookies and sign-in throttling of the web app (README, configuration)."""

    #: A session ends after this long without a request, and this long after sign-in at most.
    session_idle_minutes: int = 120
    session_max_hours: int = 12
    #: "auto": the cookie is `Secure` (and `__Host-` prefixed) on HTTPS requests only;
    #: "on": always (the app is only reached over HTTPS); "off": never (plain-HTTP testing).
    secure_cookies: str = "auto"
    #: Name the secure cookie `__Host-qa_session` (pinned to this host, path / and HTTPS).
    cookie_host_prefix: bool = True
    #: Failed sign-ins allowed per account (whichever identifier is typed) and per client
    #: address (password spraying across accounts) within the window.
    sign_in_account_attempts: int = 5
    sign_in_address_attempts: int = 10
    sign_in_window_minutes: int = 15

    def __post_init__(self) -> None:
        for name in (
            "session_idle_minutes",
            "session_max_hours",
            "sign_in_account_attempts",
            "sign_in_address_attempts",
            "sign_in_window_minutes",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.secure_cookies not in ("auto", "on", "off"):
            raise ValueError("secure_cookies must be auto, on or off")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    rubrics_dir: Path
    review: ReviewSettings = field(default_factory=ReviewSettings)
    deadlines: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    smtp: SmtpSettings | None = None
    #: An existing Prefect API to use; None means the embedded one the product owns.
    prefect_api_url: str | None = None
    #: How often the worker looks for outbox rows, and how often deadlines are checked.
    poll_seconds: float = 0.5
    deadlines_every_seconds: float = 3600.0
    deqar: DeqarSettings = field(default_factory=DeqarSettings)
    #: "monthly": the worker builds last month's audit pack on the 1st; "off": on request only.
    pack_schedule: str = "monthly"
    #: The office's time zone: which calendar day it is for due dates, reminders and packs.
    timezone: str = "UTC"
    #: The Ed25519 key that signs packs and checkpoints; None: `signing_key.pem` in data_dir.
    signing_key_file: Path | None = None
    web: WebSecuritySettings = field(default_factory=WebSecuritySettings)
    #: Distributed mode: the Prefect work pool whose workers run the flows (None: embedded).
    work_pool: str | None = None
    #: The session-signing key shared by every web process (None: generated in data_dir).
    secret_key: str | None = field(default=None, repr=False)
    secret_key_file: Path | None = None
    #: Where audit packs are written and read; shared by every web process and worker.
    packs_folder: Path | None = None

    @property
    def distributed(self) -> bool:
        return self.work_pool is not None

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key_file or self.data_dir / "signing_key.pem"

    @property
    def public_keys_dir(self) -> Path:
        """Retired public keys (see `qa.audit.keyring`), so old packs still verify."""
        return self.data_dir / "public_keys"

    def clock(self) -> SystemClock:
        """The product's one clock (see `qa.domain.clock`), built by each composition root."""
        return SystemClock(office_zone(self.timezone))

    @property
    def packs_dir(self) -> Path:
        return self.packs_folder or self.data_dir / "packs"

    @property
    def prefect_home(self) -> Path:
        return self.data_dir / "prefect"

    @property
    def notification_log(self) -> Path:
        return self.data_dir / "notifications.log"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("QA_DATA_DIR", "var")).expanduser().resolve()
        url = env.get("QA_DATABASE_URL") or f"sqlite:///{data_dir / 'qa.sqlite3'}"
        rubrics = env.get("QA_RUBRICS_DIR")
        reader = _Reader(env)
        settings = cls(
            data_dir=data_dir,
            database_url=normalise_database_url(url),
            rubrics_dir=Path(rubrics).resolve() if rubrics else bundled_rubrics_dir(),
            review=reader.build(
                ReviewSettings,
                reviewers_to_invite=reader.integer("QA_REVIEWERS_TO_INVITE", 3),
                required_reviews=reader.integer("QA_REQUIRED_REVIEWS", 2),
                respond_days=reader.integer("QA_RESPOND_DAYS", 5),
                review_days=reader.integer("QA_REVIEW_DAYS", 21),
                max_load=reader.integer("QA_REVIEWER_MAX_LOAD", 6),
            ),
            deadlines=reader.build(
                DeadlinePolicy,
                remind_before_days=reader.days("QA_REMIND_BEFORE_DAYS", (3, 1)),
                remind_after_days=reader.days("QA_REMIND_AFTER_DAYS", (1, 3)),
                escalate_after_days=reader.integer("QA_ESCALATE_AFTER_DAYS", 5),
                expire_invitation_after_days=reader.integer("QA_EXPIRE_INVITATION_DAYS", 3),
            ),
            smtp=_smtp(env, reader),
            prefect_api_url=env.get("QA_PREFECT_API_URL") or None,
            poll_seconds=reader.number("QA_POLL_SECONDS", 0.5),
            deadlines_every_seconds=reader.number("QA_DEADLINES_EVERY_SECONDS", 3600.0),
            deqar=DeqarSettings(
                agency_id=env.get("QA_DEQAR_AGENCY_ID", ""),
                activity_id=env.get("QA_DEQAR_ACTIVITY_ID", ""),
                status=reader.integer("QA_DEQAR_STATUS", 2),
                report_language=env.get("QA_DEQAR_REPORT_LANGUAGE", "eng"),
                report_url=env.get("QA_DEQAR_REPORT_URL", ""),
            ),
            pack_schedule=reader.choice("QA_PACK_SCHEDULE", ("monthly", "off"), "monthly"),
            timezone=reader.timezone("QA_TIMEZONE", "UTC"),
            signing_key_file=(
                Path(env["QA_SIGNING_KEY_FILE"]).expanduser().resolve()
                if env.get("QA_SIGNING_KEY_FILE")
                else None
            ),
            work_pool=env.get("QA_WORK_POOL") or None,
            secret_key=reader.secret("QA_SECRET_KEY"),
            secret_key_file=reader.existing_file("QA_SECRET_KEY_FILE"),
            packs_folder=_path(env.get("QA_PACKS_DIR")),
            web=reader.build(
                WebSecuritySettings,
                session_idle_minutes=reader.integer("QA_SESSION_IDLE_MINUTES", 120),
                session_max_hours=reader.integer("QA_SESSION_MAX_HOURS", 12),
                secure_cookies=reader.choice("QA_SECURE_COOKIES", ("auto", "on", "off"), "auto"),
                cookie_host_prefix=reader.flag("QA_COOKIE_HOST_PREFIX", True),
                sign_in_account_attempts=reader.integer("QA_SIGN_IN_ACCOUNT_ATTEMPTS", 5),
                sign_in_address_attempts=reader.integer("QA_SIGN_IN_ADDRESS_ATTEMPTS", 10),
                sign_in_window_minutes=reader.integer("QA_SIGN_IN_WINDOW_MINUTES", 15),
            ),
        )
        reader.raise_problems()
        return settings


#: The shortest accepted QA_SECRET_KEY (token_urlsafe(32) gives 43 characters).
MIN_SECRET_LENGTH = 32


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


class _Reader:
    """Parses numbers out of the environment, collecting every bad value."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def integer(self, name: str, default: int) -> int:
        raw = self.env.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            return int(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not a whole number")
            return default

    def number(self, name: str, default: float) -> float:
        raw = self.env.get(name)
        if raw is None or not raw.strip():
            return default
        try:
            return float(raw)
        except ValueError:
            self.problems.append(f"{name}={raw!r} is not a number")
            return default

    def choice(self, name: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.env.get(name, default).strip().lower()
        if value not in allowed:
            self.problems.append(f"{name}: must be one of {', '.join(allowed)}, not {value!r}")
            return default
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self.env.get(name, "").strip().lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        self.problems.append(f"{name}={raw!r} must be on or off")
        return default

    def timezone(self, name: str, default: str) -> str:
        value = self.env.get(name, default).strip() or default
        try:
            office_zone(value)
        except InvalidInput as exc:
            self.problems.extend(exc.problems)
            return default
        return value

    def days(self, name: str, default: tuple[int, ...]) -> tuple[int, ...]:
        raw = self.env.get(name)
        if raw is None:
            return default
        try:
            return tuple(int(part) for part in raw.split(",") if part.strip())
        except ValueError:
            self.problems.append(f"{name}={raw!r} must be whole numbers separated by commas")
            return default

    def build(self, kind: type[T], **values: Any) -> T:
        try:
            return kind(**values)
        except ValueError as exc:
            self.problems.append(f"{kind.__name__}: {exc}")
            return kind()

    def secret(self, name: str) -> str | None:
        """A shared signing key: long enough that guessing it is hopeless."""
        raw = (self.env.get(name) or "").strip()
        if raw and len(raw) < MIN_SECRET_LENGTH:
            self.problems.append(
                f"{name} must be at least {MIN_SECRET_LENGTH} characters (it has {len(raw)}); "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
            return None
        return raw or None

    def existing_file(self, name: str) -> Path | None:
        path = _path(self.env.get(name))
        if path is not None and not path.is_file():
            self.problems.append(f"{name}: there is no file {path}")
            return None
        return path

    def raise_problems(self) -> None:
        if self.problems:
            raise InvalidInput("the configuration is not valid", tuple(self.problems))


def _smtp(env: Mapping[str, str], reader: _Reader) -> SmtpSettings | None:
    host = env.get("QA_SMTP_HOST")
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=reader.integer("QA_SMTP_PORT", 587),
        username=env.get("QA_SMTP_USERNAME") or None,
        password=env.get("QA_SMTP_PASSWORD") or None,
        sender=env.get("QA_SMTP_FROM", "qa@localhost"),
        starttls=env.get("QA_SMTP_STARTTLS", "1").lower() not in ("0", "false", "no"),
    )


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain PostgreSQL URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def bundled_rubrics_dir() -> Path:
    """`rubrics/` of a source checkout, or the copy shipped inside an installed wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "rubrics", package / "_bundled" / "rubrics"):
        if candidate.is_dir():
            return candidate
    return package.parent / "rubrics"
