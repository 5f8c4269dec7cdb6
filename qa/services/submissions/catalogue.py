"""Catalogue import: one descriptor per spreadsheet row, all-or-nothing or partial.

Rows stream through validation and are written in one transaction; if any row is bad and the
import is all-or-nothing, the transaction is rolled back so nothing already saved changes.
Re-importing the same file is a no-op: the provider's `external_id` is the key and an
unchanged descriptor (same content hash) is left alone. The `import_run` record counts only
what was written: a rejected run or a dry run reports no row as new, updated or unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from qa.audit.log import record
from qa.domain.actor import Actor
from qa.domain.catalogue import (
    UNHEADED,
    CatalogueFile,
    CatalogueRow,
    FormulaCell,
    cell_as_text,
    check_headings,
    row_to_raw,
)
from qa.domain.errors import IllegalTransition
from qa.domain.report import Severity
from qa.domain.validation import validate_descriptor
from qa.persistence import clock
from qa.persistence.db import Database
from qa.persistence.models import DescriptorVersion, ImportRun, Institution, Submission
from qa.services.submissions.submissions import (
    DraftOutcome,
    ExistingDraft,
    NewDraft,
    create_drafts,
    update_draft,
)

FLUSH_EVERY = 500


@dataclass(frozen=True)
class RowProblem:
    row: int  # 1 = the heading row; 0 = the file as a whole
    column: str
    value: str
    reason: str
    severity: Severity = Severity.ERROR
    external_id: str = ""  # the row's own code, to find it besides the row number


@dataclass
class ImportReport:
    file_name: str
    partial: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected_rows: set[int] = field(default_factory=set)
    problems: list[RowProblem] = field(default_factory=list)
    applied: bool = False
    #: The file can be imported (all rows valid, or `partial`); a dry run only says so.
    acceptable: bool = False
    dry_run: bool = False
    import_run_id: int | None = None

    @property
    def outcome(self) -> str:
        return "applied" if self.applied else "dry_run" if self.dry_run else "rejected"

    @property
    def errors(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[RowProblem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


class _Importer:
    """The state of one import run inside its transaction."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        report: ImportReport,
        default_provider: str | None,
        today: date,
    ) -> None:
        self.session, self.actor, self.report = session, actor, report
        self.default_provider, self.today = default_provider, today
        self.institutions: dict[str, int | None] = {}
        self.existing: dict[int, dict[str, ExistingDraft]] = {}
        self.seen: dict[tuple[str, str], int] = {}
        self.new_drafts: list[NewDraft] = []
        #: Columns of the current row holding formulas: reported once, as formulas.
        self.formula_columns: set[str] = set()

    def problem(
        self, row: CatalogueRow, column: str, reason: str, severity: Severity = Severity.ERROR
    ) -> None:
        """Report a problem, unless its cell holds a formula (already reported as such)."""
        if column not in self.formula_columns:
            self._add(row, column, reason, severity)

    def _add(self, row: CatalogueRow, column: str, reason: str, severity: Severity) -> None:
        value = cell_as_text(row.cells.get(column))
        external_id = cell_as_text(row.cells.get("external_id")).strip()
        self.report.problems.append(
            RowProblem(row.number, column, value, reason, severity, external_id)
        )
        if severity is Severity.ERROR:
            self.report.rejected_rows.add(row.number)

    def handle(self, row: CatalogueRow) -> None:
        self.report.rows += 1
        self.formula_columns = set()
        if UNHEADED in row.cells:
            self.problem(row, UNHEADED, "this value is in a column without a heading")
        raw, cell_problems = row_to_raw(row.cells)
        for cell_problem in cell_problems:
            self._add(row, cell_problem.column, cell_problem.reason, cell_problem.severity)
        self.formula_columns = {k for k, v in row.cells.items() if isinstance(v, FormulaCell)}
        provider = str(raw.get("provider") or self.default_provider or "")
        raw["provider"] = provider or None
        institution_id = self._institution(row, provider)
        external_id = raw.get("external_id")
        if not external_id:
            self.problem(
                row,
                "external_id",
                "give the provider's own code: re-imports use it to update instead of duplicating",
            )
        else:
            first = self.seen.setdefault((provider, str(external_id)), row.number)
            if first != row.number:
                self.problem(row, "external_id", f"the same code is already used in row {first}")
        result = validate_descriptor(raw, today=self.today)
        for issue in result.issues:
            self.problem(row, issue.element, issue.message, issue.severity)
        if row.number in self.report.rejected_rows or result.descriptor is None:
            return
        assert institution_id is not None
        existing = self._existing(institution_id).get(str(external_id))
        try:
            if existing is None:
                self.new_drafts.append(NewDraft(institution_id, result.descriptor, result.warnings))
                self.report.created += 1
                if len(self.new_drafts) >= FLUSH_EVERY:
                    self.write_new_drafts()
            elif (
                update_draft(self.session, self.actor, existing, result.descriptor, result.warnings)
                is DraftOutcome.UPDATED
            ):
                self.report.updated += 1
            else:
                self.report.unchanged += 1
        except IllegalTransition as exc:
            self.problem(row, "external_id", str(exc))
            return

    def write_new_drafts(self) -> None:
        create_drafts(self.session, self.actor, self.new_drafts)
        self.new_drafts = []

    def _institution(self, row: CatalogueRow, code: str) -> int | None:
        if not code:
            self.problem(row, "provider", "give the provider's institution code")
            return None
        if code not in self.institutions:
            found = self.session.exec(select(Institution).where(Institution.code == code)).first()
            self.institutions[code] = found.id if found and found.kind == "provider" else None
        institution_id = self.institutions[code]
        if institution_id is None:
            self.problem(
                row,
                "provider",
                f"no provider institution with code {code!r} is "
                "registered (add it with `qa institutions add`)",
            )
        return institution_id

    def _existing(self, institution_id: int) -> dict[str, ExistingDraft]:
        """All submissions of one provider by external id, loaded once per import."""
        if institution_id not in self.existing:
            rows = self.session.exec(
                select(Submission, DescriptorVersion)
                .join(
                    DescriptorVersion,
                    (col(DescriptorVersion.submission_id) == Submission.id)
                    & (col(DescriptorVersion.round_number) == Submission.current_round),
                )
                .where(
                    Submission.institution_id == institution_id,
                    col(Submission.external_id).is_not(None),
                )
            )
            self.existing[institution_id] = {
                str(sub.external_id): ExistingDraft(sub, desc) for sub, desc in rows
            }
        return self.existing[institution_id]


def import_catalogue(
    db: Database,
    actor: Actor,
    catalogue: CatalogueFile,
    *,
    partial: bool = False,
    default_provider: str | None = None,
    today: date,
    dry_run: bool = False,
) -> ImportReport:
    """Import every row of `catalogue`; see the module docstring for the guarantees."""
    report = ImportReport(file_name=catalogue.name, partial=partial, dry_run=dry_run)
    heading_problems = check_headings(catalogue.headings, provider_given=bool(default_provider))
    report.problems.extend(RowProblem(1, p.column, p.column, p.reason) for p in heading_problems)
    if heading_problems:
        _record_run(db, actor, catalogue, report)
        return report
    with db.write() as session:
        importer = _Importer(session, actor, report, default_provider, today)
        for row in catalogue.rows:
            importer.handle(row)
        importer.write_new_drafts()
        if report.rows == 0:
            report.problems.append(RowProblem(0, "", "", "the file has no rows to import"))
        report.acceptable = report.rows > 0 and (partial or not report.rejected_rows)
        if report.acceptable and not dry_run:
            session.commit()
            report.applied = True
        else:
            session.rollback()
            if not dry_run:  # nothing was written: no row is new, updated or unchanged
                report.created = report.updated = report.unchanged = 0
    _record_run(db, actor, catalogue, report)
    return report


def _record_run(db: Database, actor: Actor, catalogue: CatalogueFile, report: ImportReport) -> None:
    """Keep a record of every attempt, including rejected ones, for the audit trail.

    Its counts are what was written: zero for a rejected run and for a dry run.
    """
    written = report.applied
    created = report.created if written else 0
    updated = report.updated if written else 0
    unchanged = report.unchanged if written else 0
    with db.write() as session:
        run = ImportRun(
            file_name=catalogue.name[-255:],
            file_sha256=catalogue.sha256,
            mode="partial" if report.partial else "all_or_nothing",
            actor_label=actor.label,
            finished_at=clock.now(session),
            rows=report.rows,
            created=created,
            updated=updated,
            unchanged=unchanged,
            rejected=len(report.rejected_rows),
            outcome=report.outcome,
            problems=[
                {
                    "row": p.row,
                    "external_id": p.external_id,
                    "column": p.column,
                    "value": p.value,
                    "reason": p.reason,
                    "severity": p.severity.value,
                }
                for p in report.problems[:1000]
            ],
        )
        session.add(run)
        session.flush()
        record(
            session,
            actor,
            f"catalogue.{report.outcome}",
            entity_type="import_run",
            entity_id=run.id,
            after={
                "file": catalogue.name,
                "sha256": catalogue.sha256,
                "rows": report.rows,
                "created": created,
                "updated": updated,
                "unchanged": unchanged,
                "rejected": len(report.rejected_rows),
            },
        )
        session.commit()
        report.import_run_id = run.id
