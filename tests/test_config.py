"""Settings from the environment: defaults, overrides, and clear errors for bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import Settings
from qa.domain.errors import InvalidInput


def test_defaults_use_an_embedded_sqlite_database(tmp_path: Path) -> None:
    settings = Settings.from_env({"QA_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    assert settings.prefect_home == tmp_path / "prefect"
    assert (settings.review.reviewers_to_invite, settings.review.required_reviews) == (3, 2)
    assert settings.deadlines.remind_before_days == (3, 1)
    assert settings.smtp is None and settings.prefect_api_url is None


def test_overrides(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "QA_DATA_DIR": str(tmp_path),
            "QA_DATABASE_URL": "postgresql://u@h/db",
            "QA_REVIEWERS_TO_INVITE": "4",
            "QA_REQUIRED_REVIEWS": "3",
            "QA_REMIND_BEFORE_DAYS": "7,2",
            "QA_SMTP_HOST": "mail.example.org",
            "QA_SMTP_STARTTLS": "no",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.review.required_reviews == 3
    assert settings.deadlines.remind_before_days == (7, 2)
    assert settings.smtp is not None and not settings.smtp.starttls


def test_every_bad_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env(
            {
                "QA_DATA_DIR": str(tmp_path),
                "QA_REQUIRED_REVIEWS": "two",
                "QA_REMIND_AFTER_DAYS": "1,x",
                "QA_REVIEWERS_TO_INVITE": "1",
                "QA_POLL_SECONDS": "fast",
            }
        )
    problems = " | ".join(caught.value.problems)
    assert "QA_REQUIRED_REVIEWS='two' is not a whole number" in problems
    assert "QA_REMIND_AFTER_DAYS='1,x'" in problems
    assert "QA_POLL_SECONDS='fast' is not a number" in problems
    assert "ReviewSettings: required reviews must be at least 1 and at most" in problems


def test_audit_pack_settings(tmp_path: Path) -> None:
    default = Settings.from_env({"QA_DATA_DIR": str(tmp_path)})
    assert default.pack_schedule == "monthly" and default.packs_dir == tmp_path / "packs"
    assert default.deqar.status == 2 and default.deqar.agency_id == ""
    custom = Settings.from_env(
        {
            "QA_DATA_DIR": str(tmp_path),
            "QA_PACK_SCHEDULE": "Off",
            "QA_DEQAR_AGENCY_ID": "AG-7",
            "QA_DEQAR_ACTIVITY_ID": "ACT-2",
            "QA_DEQAR_STATUS": "1",
        }
    )
    assert custom.pack_schedule == "off"
    assert (custom.deqar.agency_id, custom.deqar.activity_id, custom.deqar.status) == (
        "AG-7",
        "ACT-2",
        1,
    )
    with pytest.raises(InvalidInput) as refused:
        Settings.from_env({"QA_DATA_DIR": str(tmp_path), "QA_PACK_SCHEDULE": "weekly"})
    assert "QA_PACK_SCHEDULE: must be one of monthly, off, not 'weekly'" in str(
        refused.value
    ) + str(refused.value.problems)


def test_session_cookie_and_throttling_settings(tmp_path: Path) -> None:
    web = Settings.from_env({"QA_DATA_DIR": str(tmp_path)}).web
    assert (web.session_idle_minutes, web.session_max_hours) == (120, 12)
    assert (web.secure_cookies, web.cookie_host_prefix) == ("auto", True)
    assert (web.sign_in_account_attempts, web.sign_in_address_attempts) == (5, 10)
    changed = Settings.from_env(
        {
            "QA_DATA_DIR": str(tmp_path),
            "QA_SESSION_IDLE_MINUTES": "30",
            "QA_SESSION_MAX_HOURS": "8",
            "QA_SECURE_COOKIES": "ON",
            "QA_COOKIE_HOST_PREFIX": "off",
            "QA_SIGN_IN_ADDRESS_ATTEMPTS": "50",
        }
    ).web
    assert (changed.session_idle_minutes, changed.session_max_hours) == (30, 8)
    assert (changed.secure_cookies, changed.cookie_host_prefix) == ("on", False)
    assert changed.sign_in_address_attempts == 50
    with pytest.raises(InvalidInput) as problem:
        Settings.from_env(
            {
                "QA_DATA_DIR": str(tmp_path),
                "QA_SECURE_COOKIES": "sometimes",
                "QA_COOKIE_HOST_PREFIX": "maybe",
                "QA_SESSION_MAX_HOURS": "0",
            }
        )
    text = " ".join(problem.value.problems)
    assert "QA_SECURE_COOKIES" in text and "QA_COOKIE_HOST_PREFIX" in text
    assert "session_max_hours" in text
