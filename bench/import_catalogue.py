"""Catalogue import throughput: rows/s for .xlsx and .csv, against a plain csv.reader pass.

    python bench/import_catalogue.py [ROWS]

Both the import and the baseline read the same generated files in the same run, so the
ratio (import time / baseline time) is the figure to compare across machines; absolute
times on a shared machine are noise. Target: 10,000 rows well under a minute.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import bundled_rubrics_dir
from qa.domain.actor import Actor
from qa.imports.reader import open_catalogue
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade
from qa.services.people.institutions import add_institution
from qa.services.rubrics.rubrics import load_rubrics_from
from qa.services.submissions.catalogue import import_catalogue
from tests.conftest import GOOD_DESCRIPTOR
from tests.factories import numbered_rows, write_csv, write_xlsx

TODAY = date(2026, 11, 29)


def fresh_db(folder: Path, name: str) -> Database:
    db = Database(f"sqlite:///{folder / name}")
    upgrade(db)
    actor = Actor.cli("bench")
    load_rubrics_from(db, actor, bundled_rubrics_dir())
    add_institution(db, actor, code="PT-IPVN", name="Instituto Politécnico", country="PT")
    return db


def baseline(path: Path) -> float:
    """Plain csv.reader over the same file: the floor any import is measured against."""
    start = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = sum(1 for _ in csv.reader(handle))
    assert rows > 1
    return time.perf_counter() - start


def timed_import(db: Database, path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    report = import_catalogue(db, Actor.cli("bench"), open_catalogue(path), today=TODAY)
    elapsed = time.perf_counter() - start
    assert report.applied, report.problems[:5]
    return elapsed, report.created


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = write_csv(folder / "catalogue.csv", numbered_rows(GOOD_DESCRIPTOR, count))
        xlsx_path = write_xlsx(folder / "catalogue.xlsx", numbered_rows(GOOD_DESCRIPTOR, count))
        base = min(baseline(csv_path) for _ in range(3))
        print(f"rows: {count}")
        print(f"baseline csv.reader: {base:.3f} s ({count / base:,.0f} rows/s)")
        for label, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            db = fresh_db(folder, f"{label}.sqlite3")
            elapsed, created = timed_import(db, path)
            assert created == count
            again, _ = timed_import(db, path)  # idempotent re-import: all unchanged
            print(
                f"import {label}: {elapsed:.2f} s ({count / elapsed:,.0f} rows/s), "
                f"re-import {again:.2f} s; ratio: {elapsed / base:.0f}"
            )
            db.dispose()


if __name__ == "__main__":
    main()
