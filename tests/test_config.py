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
