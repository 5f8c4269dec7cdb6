"""Time of `qa audit verify`'s parts on a generated world: the chain, the reconciliation.

    python bench/audit_verify.py [SUBMISSIONS]      (default 3,000)

Generates the decided world of bench/export_pack.py (SQLite, temp folder), seals it, and
prints the seconds of sealing, of recomputing the chain, and of reconciling every score,
assignment, submission and decision with the replayed trail (and its differences: 0).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.export_pack import generate
from qa.audit.chain import seal, verify
from qa.audit.reconcile import reconcile
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade


def main(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="qa-bench-verify-") as folder:
        db = Database(f"sqlite:///{folder}/qa.sqlite3")
        upgrade(db)
        started = time.perf_counter()
        counts = generate(db, count)
        print(f"generated {counts} in {time.perf_counter() - started:.1f} s")
        for name, step in (
            ("seal", lambda: seal(db)),
            ("verify chain", lambda: verify(db).checked),
            ("reconcile", lambda: reconcile(db)),
        ):
            started = time.perf_counter()
            result = step()
            print(f"{name}: {time.perf_counter() - started:.1f} s -> {result!s:.200}")
        report = reconcile(db)
        print(
            f"reconciled {report.rows} rows against {report.entries} entries, "
            f"{len(report.differences)} differences"
        )
        db.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3_000)
