"""Settings: the only module that reads the environment.

`QA_DATA_DIR` (default `./var`) holds the SQLite database and later Prefect's home and the
audit packs; `QA_DATABASE_URL` points at PostgreSQL (or any SQLAlchemy URL) instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    rubrics_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("QA_DATA_DIR", "var")).expanduser().resolve()
        url = env.get("QA_DATABASE_URL") or f"sqlite:///{data_dir / 'qa.sqlite3'}"
        rubrics = env.get("QA_RUBRICS_DIR")
        return cls(
            data_dir=data_dir,
            database_url=normalise_database_url(url),
            rubrics_dir=Path(rubrics).resolve() if rubrics else bundled_rubrics_dir(),
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
