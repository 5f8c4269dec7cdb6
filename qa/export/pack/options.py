"""What a pack covers (the filter) and the agency's DEQAR settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from qa.config import DeqarSettings
from qa.domain.errors import InvalidInput

DECISIONS = ("approved", "approved_with_conditions", "revise_and_resubmit", "rejected")


@dataclass(frozen=True)
class PackFilter:
    """Decided rounds whose decision was first signed on a day in [date_from, date_to] (UTC)."""

    date_from: date
    date_to: date
    provider_code: str | None = None
    decision: str | None = None

    def __post_init__(self) -> None:
        if self.date_from > self.date_to:
            raise InvalidInput("the end of the period is before its start")
        if self.decision is not None and self.decision not in DECISIONS:
            raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}")

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.date_to + timedelta(days=1), time.min, UTC)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "date_from": self.date_from.isoformat(),
            "date_to": self.date_to.isoformat(),
            "provider_code": self.provider_code,
            "decision": self.decision,
        }


@dataclass(frozen=True)
class DeqarConfig:
    """The agency's DEQAR identifiers and report settings (DOMAIN.md §6)."""

    agency_id: str = ""
    activity_id: str = ""
    status: int = 2  # 1 part of the obligatory EQA system, 2 voluntary
    report_language: str = "eng"  # ISO 639-2
    #: URL of the published report; {local_identifier} and {submission_id} are filled in.
    report_url: str = ""
    local_prefix: str = "MC-"

    @classmethod
    def from_settings(cls, settings: DeqarSettings) -> DeqarConfig:
        """From the `QA_DEQAR_*` settings (the one way the CLI and the flow build it)."""
        return cls(
            agency_id=settings.agency_id,
            activity_id=settings.activity_id,
            status=settings.status,
            report_language=settings.report_language,
            report_url=settings.report_url,
        )

    def missing(self) -> list[str]:
        """What the DEQAR sheet will lack, in words the operator can act on."""
        return [
            f"{variable} is not set: the DEQAR sheet's {column} column is empty"
            for variable, column, value in (
                ("QA_DEQAR_AGENCY_ID", "agency", self.agency_id),
                ("QA_DEQAR_ACTIVITY_ID", "activities[1].id", self.activity_id),
                ("QA_DEQAR_REPORT_URL", "file[1].original_location", self.report_url),
            )
            if not value.strip()
        ]

    def __post_init__(self) -> None:
        if self.status not in (1, 2):
            raise InvalidInput("DEQAR status is 1 (obligatory) or 2 (voluntary)")
