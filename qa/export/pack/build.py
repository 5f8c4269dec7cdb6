"""build_pack: read the packed rounds once per table group, write the workbook, CSVs and zip."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Row, Subquery
from sqlmodel import Session

from qa.audit.checkpoints import pack_checkpoints, pack_document
from qa.audit.signing import SigningKey
from qa.domain.rubric import Rubric
from qa.export.pack import people as people_queries
from qa.export.pack import queries
from qa.export.pack.contract import (
    CHECKPOINTS,
    CONDITIONS,
    CONSENSUS,
    CREDENTIALS,
    DECISIONS,
    EVIDENCE_REGISTER,
    PACK_FORMAT_VERSION,
    PEER_SCORES,
    README,
    REVIEW_TRAIL,
    RUBRIC_TABLE,
    SCORE_DETAIL,
    SCORE_EDITS,
    SELF_ASSESSMENT,
    TABLES,
    WORKBOOK,
)
from qa.export.pack.deqar_contract import DEQAR
from qa.export.pack.dictionary import readme_rows
from qa.export.pack.manifest import sha256_of, write_zip
from qa.export.pack.options import DeqarConfig, PackFilter
from qa.export.pack.pseudonyms import PREFIXES, People
from qa.export.pack.quality_contract import (
    AGREEMENT,
    CRITERION_AGREEMENT,
    FILE_SPREAD,
    REVIEWER_SEVERITY,
    REVIEWER_SEVERITY_BY_QUARTER,
)
from qa.export.pack.rows import (
    condition_row,
    credentials_row,
    decision_row,
    deqar_row,
    rubric_rows,
    trail_row,
    when,
)
from qa.export.pack.scores import Columns, ScorePass, ScoreSinks
from qa.export.pack.writer import PackWriter
from qa.export.pack.zipfiles import zip_time
from qa.persistence.db import Database
from qa.services.rubrics.rubrics import rubric_of

Progress = Callable[[int, int], None]
#: From this many packed rounds on, the workbook is written by a helper process (2 cores).
HELPER_FROM_ROUNDS = 300
SCORE_EDIT = "score.saved"
_PASSES = 4  # credentials, scores, decisions, trail (each counted in packed rounds)


@dataclass(frozen=True)
class PackResult:
    path: Path
    manifest: dict[str, Any]
    row_counts: dict[str, int]
    sha256: str


class _Meter:
    """Calls progress(done, total) at most every `step` units, and always at the end."""

    def __init__(self, callback: Progress | None, total: int, step: int = 200) -> None:
        self.callback, self.total, self.step = callback, total, step
        self.done = self._told = 0

    def advance(self, units: int = 1) -> None:
        self.done = min(self.done + units, self.total)
        if self.callback and (self.done - self._told >= self.step or self.done == self.total):
            self._told = self.done
            self.callback(self.done, self.total)


@dataclass
class _Job:
    """What every pass of one build shares."""

    session: Session
    packed: Subquery
    writer: PackWriter
    people: People
    meter: _Meter
    rubrics: dict[int, Rubric]
    columns: Columns
    rounds: int
    as_of: int | None


def build_pack(
    db: Database,
    wanted: PackFilter,
    out_path: Path | str,
    *,
    deqar: DeqarConfig | None = None,
    reveal_reviewers: bool = False,
    chain_head: str | None = None,
    generated_at: datetime | None = None,
    progress: Progress | None = None,
    signing_key: SigningKey | None = None,
    as_of: int | None = None,
) -> PackResult:
    """Write the audit pack of the decided rounds `wanted` selects to `out_path` (a zip).

    The same data and filter give a byte-identical file: rows are ordered, and every time in
    the pack (workbook properties, zip entries, README) is `generated_at`, by default the
    newest timestamp in the packed data. `reveal_reviewers` names people instead of giving
    them per-pack pseudonyms; `chain_head` is the audit chain's head hash, recorded as given.
    `progress(done, total)` is called as the build advances. With `signing_key` the
    manifest is signed (`manifest.sig`) and the README sheet names the key's fingerprint.
    `as_of` (an audit chain position, with `chain_head` its hash) leaves out every audit
    entry and checkpoint after it, so a pack of a closed period rebuilds byte for byte
    after the trail has grown.
    """
    out = Path(out_path)
    with db.session() as session, tempfile.TemporaryDirectory(prefix="qa-pack-") as tmp:
        if not db.is_sqlite:  # one snapshot for every query (SQLite: one read transaction)
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        packed = queries.packed(wanted)
        rounds = queries.count_rounds(session, packed)
        stored = queries.rubric_versions(session, packed)
        rubrics = {row.id: rubric_of(row) for row in stored if row.id is not None}
        columns = Columns.of(list(rubrics.values()))
        people = People(
            people_queries.people(session, packed, as_of),
            reveal=reveal_reviewers,
            lookup=lambda uid: people_queries.people_by_id(session, {uid}).get(uid),
            bystanders=people_queries.everyone(session),
        )
        moment = generated_at or queries.latest_timestamp(session, packed, as_of) or wanted.end
        folder = Path(tmp)
        writer = PackWriter(
            folder,
            criteria=columns.criteria,
            principles=columns.principles,
            generated_at=moment,
            title=f"Audit pack {wanted.date_from.isoformat()} to {wanted.date_to.isoformat()}",
            scrub=people.scrub_cell,
            helper=rounds >= HELPER_FROM_ROUNDS,
        )
        meter = _Meter(progress, rounds * _PASSES + 1)
        job = _Job(session, packed, writer, people, meter, rubrics, columns, rounds, as_of)
        try:
            for row in stored:
                for line in rubric_rows(rubric_of(row), row.content_hash):
                    writer[RUBRIC_TABLE.name].append(line)
            _credentials(job, deqar or DeqarConfig())
            _scores(job)
            _decisions(job)
            _trail(job)
            counts = {t.name: writer[t.name].rows for t in TABLES if t is not README}
            facts = _facts(wanted, moment, rounds, people, stored, chain_head=chain_head)
            facts.append(_signature_fact(signing_key))
            facts += [("warning", problem) for problem in (deqar or DeqarConfig()).missing()]
            for line in readme_rows(facts, counts, columns.criteria, columns.principles):
                writer[README.name].append(line)
            counts[README.name] = writer[README.name].rows
        except BaseException:
            writer.abort()
            raise
        workbook = folder / WORKBOOK
        writer.finish(workbook)
        manifest = {
            "pack_format_version": PACK_FORMAT_VERSION,
            "generated_at": when(moment),
            "filter": wanted.as_dict(),
            "people": "named" if reveal_reviewers else "pseudonymised",
            "packed_rounds": rounds,
            "rubric_versions": [
                {"key": r.rubric_key, "version": r.version, "sha256": r.content_hash}
                for r in stored
            ],
            "audit_chain_head": chain_head,
            "audit_chain_seq": as_of,
            "row_counts": counts,
            "tables": [
                {"name": t.name, "csv": t.file, "sheets": writer[t.name].sheets} for t in TABLES
            ],
        }
        checkpoints = folder / CHECKPOINTS
        checkpoints.write_text(_checkpoints_of(session, wanted, as_of), encoding="utf-8")
        members = [
            (WORKBOOK, workbook),
            *((t.file, folder / t.file) for t in TABLES),
            (CHECKPOINTS, checkpoints),
        ]
        partial = out.with_name(f".{out.name}.part")
        try:
            manifest = write_zip(
                partial, members, zip_time(moment), manifest, signing_key=signing_key
            )
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
        meter.advance()
    return PackResult(out, manifest, counts, sha256_of(out))


def _checkpoints_of(session: Session, wanted: PackFilter, as_of: int | None) -> str:
    """checkpoints.json: the period's signed checkpoints and the newest (made for the pack)."""
    start = datetime.combine(wanted.date_from, time(), UTC)
    end = datetime.combine(wanted.date_to + timedelta(days=1), time(), UTC)
    return pack_document(pack_checkpoints(session, start, end, as_of))


def _signature_fact(key: SigningKey | None) -> tuple[str, str]:
    if key is None:
        return ("signature", "Not signed: this pack cannot prove where it comes from.")
    return (
        "signature",
        f"manifest.json is signed by the QA office's Ed25519 key {key.public.fingerprint} "
        "(manifest.sig). Check it with the office's public key: qa audit verify-pack PACK "
        "--key PUBLIC.pem, or any Ed25519 tool, over the exact bytes of manifest.json.",
    )


def _facts(
    wanted: PackFilter,
    moment: datetime,
    rounds: int,
    people: People,
    stored: list[Any],
    *,
    chain_head: str | None,
) -> list[tuple[str, str]]:
    if people.reveal:
        who = "People are named: the agency is entitled to reviewers' names."
    else:
        kinds = ", ".join(f"{prefix} = {kind}" for kind, prefix in PREFIXES.items())
        who = (
            "People are pseudonymised for this pack only (" + kinds + "); names, usernames "
            "and e-mail addresses in free text are replaced by the pseudonym."
        )
    return [
        ("pack_format_version", PACK_FORMAT_VERSION),
        (
            "covers",
            "Decided rounds whose decision was first signed in the period (UTC), with "
            "their descriptors, scores, decisions, conditions and audit trail.",
        ),
        ("generated_at", when(moment) or ""),
        ("filter.date_from", wanted.date_from.isoformat()),
        ("filter.date_to", wanted.date_to.isoformat()),
        ("filter.provider_code", wanted.provider_code or "(any)"),
        ("filter.decision", wanted.decision or "(any)"),
        ("packed_rounds", str(rounds)),
        ("people", who),
        (
            "rubric_versions",
            "; ".join(f"{r.rubric_key} {r.version} (sha256 {r.content_hash})" for r in stored)
            or "(none)",
        ),
        ("audit_chain_head", chain_head or "(not given)"),
        (
            "text_cells",
            "Text starting with = + - @ tab, CR or an apostrophe begins with an added "
            "apostrophe, so formulas never run: when ingesting, remove one leading apostrophe "
            "from any cell that starts with one (a cell that really began with an "
            "apostrophe then keeps it); the same in the workbook and the CSV files.",
        ),
        (
            "layout",
            "Per-criterion rows (ScoreDetail) and score edits (ScoreEdits) are CSV only: "
            "the workbook keeps one row per score sheet, so it opens in Excel at any size.",
        ),
    ]


def _merge(
    conditions: Iterator[Row[Any]],
) -> Callable[[int, int], list[Row[Any]]]:
    """Conditions of a round, read alongside the rounds (both streams share their order)."""
    pending: list[Row[Any]] = []
    source = iter(conditions)

    def of(submission_id: int, round_number: int) -> list[Row[Any]]:
        key = (submission_id, round_number)
        found: list[Row[Any]] = []
        while True:
            if not pending:
                nxt = next(source, None)
                if nxt is None:
                    return found
                pending.append(nxt)
            head = pending[0]
            if (head.submission_id, head.round_number) < key:
                pending.pop(0)
            elif (head.submission_id, head.round_number) == key:
                found.append(pending.pop(0))
            else:
                return found

    return of


def _credentials(job: _Job, deqar: DeqarConfig) -> None:
    writer, people = job.writer, job.people
    conditions_of = _merge(queries.conditions(job.session, job.packed))
    for row in queries.credentials(job.session, job.packed):
        writer[CREDENTIALS.name].append(credentials_row(row, job.rubrics))
        conditions = conditions_of(row.submission_id, row.round_number)
        for condition in conditions:
            writer[CONDITIONS.name].append(condition_row(condition, people))
        texts = [f"{c.text} (owner: {c.owner}, due {c.due_date.isoformat()})" for c in conditions]
        line = deqar_row(row, deqar, [people.scrub(t) or "" for t in texts])
        if line is not None:
            writer[DEQAR.name].append(line)
        job.meter.advance()


def _scores(job: _Job) -> None:
    writer = job.writer
    sinks = ScoreSinks(
        writer[SELF_ASSESSMENT.name],
        writer[PEER_SCORES.name],
        writer[CONSENSUS.name],
        writer[SCORE_DETAIL.name],
        writer[EVIDENCE_REGISTER.name],
        writer[FILE_SPREAD.name],
    )
    score_pass = ScorePass(sinks, job.rubrics, job.columns, job.people)
    for round_sheets in queries.round_sheets(job.session, job.packed):
        score_pass.add(round_sheets)
        job.meter.advance()
    for line in score_pass.agreement_lines():
        writer[AGREEMENT.name].append(line)
    for line in score_pass.quality.criterion_rows(job.columns.criteria):
        writer[CRITERION_AGREEMENT.name].append(line)
    for line in score_pass.quality.severity_rows():
        writer[REVIEWER_SEVERITY.name].append(line)
    for line in score_pass.quality.severity_by_quarter_rows():
        writer[REVIEWER_SEVERITY_BY_QUARTER.name].append(line)


def _decisions(job: _Job) -> None:
    roles: dict[int, list[str]] = {}

    def roles_of(user_id: int) -> list[str]:
        if user_id not in roles:
            roles.update(people_queries.roles_of(job.session, {user_id}))
            roles.setdefault(user_id, [])
        return roles[user_id]

    last = None
    for row in queries.decisions(job.session, job.packed):
        job.writer[DECISIONS.name].append(decision_row(row, job.people, roles_of))
        key = (row.submission_id, row.round_number)
        if key != last:
            job.meter.advance()
            last = key


def _trail(job: _Job) -> None:
    """ReviewTrail and ScoreEdits; progress counts as one pass over the rounds."""
    total = queries.count_trail(job.session, job.packed, job.as_of)
    trail, edits = job.writer[REVIEW_TRAIL.name], job.writer[SCORE_EDITS.name]
    told = 0
    for seen, row in enumerate(queries.trail(job.session, job.packed, job.as_of), start=1):
        (edits if row.action == SCORE_EDIT else trail).append(trail_row(row, job.people))
        share = job.rounds * seen // total
        if share > told:
            job.meter.advance(share - told)
            told = share
    job.meter.advance(job.rounds - told)


__all__ = ["PackResult", "Progress", "build_pack"]
