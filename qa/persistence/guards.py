"""Database-level guards for records that must never change once written."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from qa.domain.errors import Conflict
from qa.persistence.models import RubricVersion


@event.listens_for(RubricVersion, "before_update")
def _rubric_versions_are_immutable(_mapper: Any, _connection: Any, target: RubricVersion) -> None:
    raise Conflict(
        f"rubric version {target.rubric_key} {target.version} is immutable; "
        "publish a new version instead"
    )
