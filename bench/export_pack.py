"""Audit-pack build time and memory, against a plain csv.writer pass over the score rows.

    python bench/export_pack.py [SUBMISSIONS]      (default 10,000)

Generates SUBMISSIONS decided submissions (self-assessment + 3 peer reviews of every rubric
criterion, a consensus on some, decisions, conditions and a realistic audit trail: about 19
process events and one score edit per score) with bulk inserts into a SQLite file in a temp
folder, then runs, each in a fresh process so that their peak memory is their own:

* the baseline: plain SQL over every score row (joined to its sheet) and every audit entry
  of a submission, the bulk of a pack's rows, written with csv.writer (the floor any export
  of these rows is measured against);
* build_pack over the whole period.

Printed: rows, times, the ratio pack/baseline, and the peak resident memory (RSS) of each
process: VmHWM from /proc (Linux; it includes the interpreter and imported libraries; a
large pack's workbook is written by a helper process, sampled separately every 0.2 s).
Targets: ratio within 20, peak RSS under 300 MB.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection

from qa.domain.rubric import Rubric
from qa.domain.scoring import RaterScores, assess
from qa.persistence.db import Database
from qa.persistence.migrate import upgrade
from qa.persistence.models import (
    Assignment,
    AuditEntry,
    Condition,
    Decision,
    DescriptorVersion,
    Institution,
    Score,
    Scoresheet,
    Submission,
    SubmissionRound,
    User,
    UserRole,
)

TODAY = date(2026, 11, 29)
START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
PROVIDERS, REVIEWERS, OFFICERS = 40, 150, 6
BATCH = 100  # submissions generated and inserted together
PATTERNS = 60  # distinct score patterns (their aggregates are computed once each)
PANEL = ("subject_expert", "labour_market", "learner")
COMMENTS = (
    "Evidence checked against the programme handbook.",
    "Partly covered; the assessment criteria are not published in advance.",
    "Well documented.",
    None,
    "See the minutes of the approval board, item 4.",
)


# -- generation -----------------------------------------------------------------------------


def _people(connection: Connection) -> dict[str, list[int]]:
    connection.execute(
        insert(Institution),
        [
            {
                "id": n + 1,
                "code": f"P{n:03d}",
                "name": f"Provider institution {n}",
                "country": "PT",
                "kind": "provider",
                "deqar_id": f"DEQARINST{n:04d}" if n % 4 else None,
                "created_at": START,
            }
            for n in range(PROVIDERS)
        ],
    )
    users: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []
    out: dict[str, list[int]] = {"provider": [], "reviewer": [], "officer": []}
    for kind, count in (("provider", PROVIDERS), ("reviewer", REVIEWERS), ("officer", OFFICERS)):
        for n in range(count):
            uid = len(users) + 1
            users.append(
                {
                    "id": uid,
                    "username": f"{kind}{n}",
                    "email": f"{kind}{n}@example.org",
                    "display_name": f"{kind.title()} Person {n}",
                    "institution_id": n + 1 if kind == "provider" else None,
                    "expertise": [],
                    "panel_role": PANEL[n % 3] if kind == "reviewer" else None,
                    "created_at": START,
                }
            )
            roles.append({"user_id": uid, "role": kind, "granted_at": START})
            out[kind].append(uid)
    connection.execute(insert(User), users)
    connection.execute(insert(UserRole), roles)
    return out


def _patterns(
    rubric: Rubric, rng: random.Random
) -> list[tuple[list[dict[str, int]], dict[str, Any]]]:
    patterns = []
    for _ in range(PATTERNS):
        base = {c.id: rng.choice((2, 3, 3, 3)) for c in rubric.criteria}
        peers = [
            {
                cid: max(0, min(3, level + rng.choice((-1, 0, 0, 0, 1))))
                for cid, level in base.items()
            }
            for _ in range(3)
        ]
        raters = [RaterScores(f"reviewer {n}", dict(p)) for n, p in enumerate(peers, start=1)]
        patterns.append((peers, assess(rubric, raters).as_dict()))
    return patterns


def _stamp(moment: datetime) -> str:
    """SQLAlchemy's SQLite storage format for a UTC datetime (all generated times are UTC)."""
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


_JSON_CACHE: dict[str, str] = {}


def _json(value: Any) -> str | None:
    """json.dumps, remembered: generated values repeat a lot."""
    if value is None:
        return None
    key = repr(value)
    found = _JSON_CACHE.get(key)
    if found is None:
        found = _JSON_CACHE[key] = json.dumps(value)
        if len(_JSON_CACHE) > 100_000:
            _JSON_CACHE.clear()
    return found


SCORE_COLUMNS = (
    "scoresheet_id",
    "criterion_id",
    "level",
    "cannot_judge",
    "comment",
    "evidence_refs",
    "no_evidence_reason",
    "updated_at",
    "updated_by",
)
AUDIT_COLUMNS = (
    "at",
    "actor_id",
    "actor_label",
    "action",
    "entity_type",
    "entity_id",
    "submission_id",
    "before",
    "after",
)
#: The two big tables are inserted with plain executemany (no per-row ORM type processing).
RAW: dict[Any, tuple[tuple[str, ...], Any]] = {
    Score: (
        SCORE_COLUMNS,
        lambda r: (
            r["scoresheet_id"],
            r["criterion_id"],
            r["level"],
            int(r["cannot_judge"]),
            r["comment"],
            _json(r["evidence_refs"]),
            r["no_evidence_reason"],
            _stamp(r["updated_at"]),
            r["updated_by"],
        ),
    ),
    AuditEntry: (
        AUDIT_COLUMNS,
        lambda r: (
            _stamp(r["at"]),
            r["actor_id"],
            r["actor_label"],
            r["action"],
            r["entity_type"],
            r["entity_id"],
            r["submission_id"],
            _json(r["before"]),
            _json(r["after"]),
        ),
    ),
}


def generate(db: Database, count: int) -> dict[str, int]:
    # Imported here: the measured runs are fresh processes that re-import this module, and
    # their peak memory should not include the services and the test fixtures.
    from qa.config import bundled_rubrics_dir
    from qa.domain.actor import Actor
    from qa.domain.validation import validate_descriptor
    from qa.services.rubrics.rubrics import current_rubric, load_rubrics_from
    from tests.conftest import GOOD_DESCRIPTOR

    operator = Actor.cli("bench")
    load_rubrics_from(db, operator, bundled_rubrics_dir())
    rubric_row, rubric = current_rubric(db)
    rng = random.Random(2026)
    report = validate_descriptor(GOOD_DESCRIPTOR, today=TODAY)
    assert report.descriptor is not None
    base_descriptor = report.descriptor.model_dump(mode="json")
    patterns = _patterns(rubric, rng)
    counts = dict.fromkeys(("submissions", "scores", "audit_entries"), 0)
    with db.engine.begin() as connection:
        people = _people(connection)
    ids = {"sheet": 0, "assignment": 0, "decision": 0}
    for first in range(0, count, BATCH):
        batch = _batch(
            range(first, min(first + BATCH, count)),
            rubric,
            rubric_row.id or 0,
            base_descriptor,
            patterns,
            people,
            ids,
            rng,
        )
        with db.engine.begin() as connection:
            for table, rows in batch.items():
                if table in RAW:
                    columns, convert = RAW[table]
                    connection.exec_driver_sql(
                        f"INSERT INTO {table.__tablename__} ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})",
                        [convert(row) for row in rows],
                    )
                elif rows:
                    connection.execute(insert(table), rows)
        counts["submissions"] += len(batch[Submission])
        counts["scores"] += len(batch[Score])
        counts["audit_entries"] += len(batch[AuditEntry])
    return counts


class _Trail:
    """The audit entries of one generated submission."""

    def __init__(self, submission_id: int) -> None:
        self.submission_id = submission_id
        self.entries: list[dict[str, Any]] = []

    def add(
        self,
        action: str,
        actor: int | None,
        entity: str,
        entity_id: int,
        *,
        at: datetime,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.entries.append(
            {
                "at": at,
                "actor_id": actor,
                "actor_label": f"user {actor}" if actor else "system: routing",
                "action": action,
                "entity_type": entity,
                "entity_id": str(entity_id),
                "submission_id": self.submission_id,
                "before": None,
                "after": after,
            }
        )


def _batch(  # noqa: PLR0917
    numbers: range,
    rubric: Rubric,
    rubric_id: int,
    base_descriptor: dict[str, Any],
    patterns: list[tuple[list[dict[str, int]], dict[str, Any]]],
    people: dict[str, list[int]],
    ids: dict[str, int],
    rng: random.Random,
) -> dict[Any, list[dict[str, Any]]]:
    out: dict[Any, list[dict[str, Any]]] = {
        table: []
        for table in (
            Submission,
            SubmissionRound,
            DescriptorVersion,
            Assignment,
            Scoresheet,
            Score,
            Decision,
            Condition,
            AuditEntry,
        )
    }
    for n in numbers:
        sid = n + 1
        provider = n % PROVIDERS
        provider_user = people["provider"][provider]
        at = START + timedelta(minutes=45 * n)
        eqf = 4 if n % 10 == 9 else 5 + n % 4
        peers, aggregates = patterns[n % PATTERNS]
        decision = aggregates["recommended"]
        stage = decision
        title = f"Micro-credential {n:06d}"
        audit = _Trail(sid)

        out[Submission].append(
            {
                "id": sid,
                "institution_id": provider + 1,
                "external_id": f"MC-{n:06d}",
                "title": title,
                "eqf_level": eqf,
                "stage": stage,
                "current_round": 1,
                "rubric_version_id": rubric_id,
                "created_by": provider_user,
                "created_at": at,
                "updated_at": at,
                "stage_entered_at": at,
                "version": 9,
            }
        )
        out[SubmissionRound].append(
            {
                "submission_id": sid,
                "number": 1,
                "opened_at": at,
                "closed_at": at + timedelta(days=30),
                "outcome": decision,
                "aggregates": aggregates,
            }
        )
        data = base_descriptor | {
            "title": title,
            "external_id": f"MC-{n:06d}",
            "eqf_level": eqf,
            "qf_ehea_cycle": (None if eqf < 5 else ("short", "first", "second", "third")[eqf - 5]),
        }
        out[DescriptorVersion].append(
            {
                "submission_id": sid,
                "round_number": 1,
                "data": data,
                "content_hash": f"{sid:064x}",
                "warnings": [],
                "created_at": at,
                "updated_at": at,
                "updated_by": provider_user,
            }
        )
        for action in ("submission.draft_created", "submission.submit"):
            audit.add(action, provider_user, "submission", sid, at=at, after={"stage": "submitted"})
        audit.add(
            "submission.intake_accept",
            None,
            "submission",
            sid,
            at=at,
            after={"stage": "self_assessment"},
        )
        documents = [f"evidence/{sid}/doc-{k:02d}.pdf" for k in range(12)]
        sheets: list[tuple[str, int | None, int | None, dict[str, int]]] = [
            ("self", None, provider_user, {c.id: 3 for c in rubric.criteria})
        ]
        officer = people["officer"][n % OFFICERS]
        for k, levels in enumerate(peers):
            ids["assignment"] += 1
            reviewer = people["reviewer"][(n * 3 + k) % REVIEWERS]
            out[Assignment].append(
                {
                    "id": ids["assignment"],
                    "submission_id": sid,
                    "round_number": 1,
                    "reviewer_id": reviewer,
                    "state": "submitted",
                    "panel_role": PANEL[k],
                    "invited_at": at + timedelta(days=2),
                    "coi_status": "none",
                    "responded_at": at + timedelta(days=3),
                    "submitted_at": at + timedelta(days=20),
                    "coi_answered_at": at + timedelta(days=3),
                    "version": 4,
                }
            )
            audit.add(
                "assignment.invited",
                None,
                "assignment",
                ids["assignment"],
                at=at + timedelta(days=2),
                after={"reviewer_id": reviewer, "panel_role": PANEL[k]},
            )
            for action in ("assignment.accepted", "assignment.coi", "assignment.submitted"):
                audit.add(
                    action, reviewer, "assignment", ids["assignment"], at=at + timedelta(days=3)
                )
            sheets.append(("peer", ids["assignment"], reviewer, levels))
        if n % 10 == 0:
            disputed = {c.id: 2 for c in rubric.criteria[:3]}
            sheets.append(("consensus", None, officer, disputed))
        for kind, assignment_id, rater, levels in sheets:
            ids["sheet"] += 1
            stamp = at + timedelta(days=1 if kind == "self" else 10)
            out[Scoresheet].append(
                {
                    "id": ids["sheet"],
                    "submission_id": sid,
                    "round_number": 1,
                    "kind": kind,
                    "rater_key": f"peer:{assignment_id}" if kind == "peer" else kind,
                    "assignment_id": assignment_id,
                    "rubric_version_id": rubric_id,
                    "status": "submitted",
                    "recommendation": decision if kind == "peer" else None,
                    "summary": "A careful review." if kind == "peer" else None,
                    "revision": 1,
                    "created_at": stamp,
                    "submitted_at": stamp + timedelta(days=1),
                    "submitted_by": rater,
                    "version": 2,
                }
            )
            for j, (cid, level) in enumerate(levels.items()):
                saved = stamp + timedelta(seconds=j)
                refs = [documents[j % 12]] if kind == "self" else []
                comment = COMMENTS[(n + j) % len(COMMENTS)] if kind != "self" else None
                out[Score].append(
                    {
                        "scoresheet_id": ids["sheet"],
                        "criterion_id": cid,
                        "level": level,
                        "cannot_judge": False,
                        "comment": comment,
                        "evidence_refs": refs,
                        "no_evidence_reason": None,
                        "updated_at": saved,
                        "updated_by": rater,
                    }
                )
                audit.add(
                    "score.saved",
                    rater,
                    "scoresheet",
                    ids["sheet"],
                    at=saved,
                    after={
                        "criterion": cid,
                        "level": level,
                        "comment": comment,
                        "evidence_refs": refs,
                        "cannot_judge": False,
                    },
                )
        signed = at + timedelta(days=30)
        audit.add("submission.reviews_agree", None, "submission", sid, at=signed)
        ids["decision"] += 1
        positive = decision in ("approved", "approved_with_conditions")
        out[Decision].append(
            {
                "id": ids["decision"],
                "submission_id": sid,
                "round_number": 1,
                "decision": decision,
                "recommended_decision": decision,
                "rationale": None if rng.random() < 0.7 else "Signed as recommended by the panel.",
                "aggregates": aggregates,
                "signed_by": officer,
                "signed_at": signed,
                "valid_from": signed.date() if positive else None,
                "valid_to": signed.date() + timedelta(days=6 * 365) if positive else None,
                "revision": 1,
            }
        )
        if decision == "approved_with_conditions":
            out[Condition].append(
                {
                    "decision_id": ids["decision"],
                    "text": "Publish the assessment criteria.",
                    "owner": "Quality office",
                    "due_date": signed.date() + timedelta(days=120),
                    "status": "open",
                    "version": 1,
                }
            )
        audit.add(
            f"submission.{decision}", officer, "submission", sid, at=signed, after={"stage": stage}
        )
        audit.add(
            "decision.signed",
            officer,
            "decision",
            ids["decision"],
            at=signed,
            after={"decision": decision, "recommended": decision},
        )
        out[AuditEntry].extend(audit.entries)
    return out


# -- measured runs (each in its own process) ----------------------------------------------------


def _hwm_mb(pid: int | str = "self") -> float:
    """VmHWM: peak resident memory of this process image (ru_maxrss would also count the
    parent's memory before exec, since a spawned process starts as a fork of it)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 if pid == "self" else 0.0


def _peak_mb() -> float:
    return _hwm_mb()


class _ChildPeak(threading.Thread):
    """Samples the peak memory of this process's children (the workbook helper)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.wait(0.2):
            for tid in os.listdir(f"/proc/{me}/task"):
                try:
                    with open(f"/proc/{me}/task/{tid}/children", encoding="ascii") as f:
                        pids = f.read().split()
                except OSError:
                    continue
                for pid in pids:
                    self.peak = max(self.peak, _hwm_mb(pid))


#: The bulk of a pack's rows, read plainly: every score with its sheet, every audit entry.
BASELINE_SQL = (
    """
    SELECT sh.submission_id, sh.round_number, sh.kind, sh.rater_key, sh.revision, sh.status,
           sc.criterion_id, sc.level, sc.cannot_judge, sc.comment, sc.evidence_refs,
           sc.no_evidence_reason, sc.updated_at, sc.updated_by
    FROM score sc JOIN scoresheet sh ON sh.id = sc.scoresheet_id
    ORDER BY sh.submission_id, sh.round_number, sh.id, sc.id
    """,
    """
    SELECT id, at, submission_id, actor_id, actor_label, action, entity_type, entity_id,
           before, after, prev_hash, entry_hash
    FROM audit_entry WHERE submission_id IS NOT NULL ORDER BY submission_id, id
    """,
)


def _baseline(url: str, out: str, result: Any) -> None:
    db = Database(url)
    start = time.perf_counter()
    rows = 0
    with db.engine.connect() as connection:
        for n, sql in enumerate(BASELINE_SQL):
            with open(f"{out}.{n}.csv", "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                for row in connection.execution_options(yield_per=2000).execute(text(sql)):
                    writer.writerow(row)
                    rows += 1
    result.put(("baseline", time.perf_counter() - start, rows, _peak_mb()))


def _pack(url: str, out: str, result: Any) -> None:
    from qa.export.pack import DeqarConfig, PackFilter, build_pack

    db = Database(url)
    watch = _ChildPeak()
    watch.start()
    start = time.perf_counter()
    built = build_pack(
        db,
        PackFilter(date(2020, 1, 1), date(2099, 12, 31)),
        out,
        deqar=DeqarConfig(agency_id="AG-BENCH", activity_id="ACT-1"),
    )
    elapsed = time.perf_counter() - start
    watch.done.set()
    watch.join()
    result.put(("pack", elapsed, built.row_counts, _peak_mb(), watch.peak))


def _run(target: Any, *args: str) -> tuple[Any, ...]:
    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    process = context.Process(target=target, args=(*args, result))
    process.start()
    found = result.get()
    process.join()
    return tuple(found)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory(prefix="qa-bench-pack-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'qa.sqlite3'}"
        db = Database(url)
        upgrade(db)
        start = time.perf_counter()
        counts = generate(db, count)
        db.dispose()
        print(
            f"generated {counts['submissions']:,} decided submissions, {counts['scores']:,} "
            f"score rows, {counts['audit_entries']:,} audit entries in "
            f"{time.perf_counter() - start:.1f} s"
        )
        _, base, rows, base_mb = _run(_baseline, url, str(folder / "baseline.csv"))
        print(
            f"baseline csv.writer: {rows:,} rows (scores + audit entries) in {base:.2f} s, "
            f"peak RSS {base_mb:.0f} MB"
        )
        _, elapsed, row_counts, pack_mb, helper_mb = _run(_pack, url, str(folder / "pack.zip"))
        size = (folder / "pack.zip").stat().st_size / 1e6
        print(f"pack rows: {', '.join(f'{k} {v:,}' for k, v in row_counts.items())}")
        print(
            f"pack: {elapsed:.2f} s, {size:.1f} MB zip, peak RSS {pack_mb:.0f} MB "
            f"(+ {helper_mb:.0f} MB in the workbook helper process)"
        )
        print(f"ratio: {elapsed / base:.1f} (target <= 20); peak RSS target < 300 MB")


def rows_of(path: Path) -> Iterator[list[str]]:  # pragma: no cover - for manual checks
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.reader(handle)


if __name__ == "__main__":
    main()
