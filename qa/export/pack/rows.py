"""Table rows from database rows: credentials, DEQAR, decisions, conditions, trail, rubric."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from qa.domain.descriptor_fields import FIELDS, Kind
from qa.domain.rubric import Rubric
from qa.export.pack.contract import CREDENTIALS, DECISIONS
from qa.export.pack.deqar_contract import DEQAR, JOINT_BODIES
from qa.export.pack.options import DeqarConfig
from qa.export.pack.pseudonyms import People
from qa.export.pack.spec import words

FINAL = {"approved": "1", "approved_with_conditions": "2", "rejected": "3"}
QF_EHEA = {5: "0", 6: "1", 7: "2", 8: "3"}
SEPARATOR = "; "


def when(value: datetime | None) -> str | None:
    """ISO 8601 UTC with microseconds and Z (the database hands back aware UTC times)."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def day(value: date | datetime | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return (
            (value if value.tzinfo else value.replace(tzinfo=UTC))
            .astimezone(UTC)
            .date()
            .isoformat()
        )
    return value.isoformat()


def joined(values: Iterable[Any] | None) -> str | None:
    items = [str(v) for v in values or () if v is not None and str(v) != ""]
    return SEPARATOR.join(items) if items else None


def rubric_label(rubric: Rubric) -> str:
    return f"{rubric.key} {rubric.version}"


# -- Credentials and DEQAR -------------------------------------------------------------------


def _body(body: Mapping[str, Any]) -> str:
    ids = ", ".join(f"{i.get('scheme')}:{i.get('value')}" for i in body.get("identifiers", []))
    return f"{body.get('name', '')} [{ids}]"


def descriptor_cells(data: Mapping[str, Any], provider: str, external_id: str | None) -> list[Any]:
    """The Annex I columns of a Credentials row, in contract order."""
    cells: list[Any] = []
    for spec in FIELDS:
        value = data.get(spec.key)
        if spec.key == "provider":
            value = provider
        elif spec.key == "external_id":
            value = external_id or value
        kind = spec.kind
        if kind in (Kind.TEXT_LIST, Kind.CHOICE_LIST):
            cells.append(joined(value))
        elif kind is Kind.BODIES:
            cells.append(joined(_body(b) for b in value or ()))
        elif kind is Kind.BOOLEAN:
            cells.append("yes" if value else "no")
        elif kind is Kind.INTEGER_OR_NA:
            cells.append(
                value
                if value is not None
                else ("not_applicable" if data.get("eqf_not_applicable_reason") else None)
            )
        else:
            cells.append(value)
        if kind is Kind.CHOICE:
            cells.append(words(value) if value else None)
        elif kind is Kind.CHOICE_LIST:
            cells.append(joined(words(v) for v in value or ()))
    return cells


def credentials_row(row: Any, rubrics: Mapping[int, Rubric]) -> list[Any]:
    rubric = rubrics.get(row.rubric_version_id)
    head = [
        row.submission_id,
        row.round_number,
        row.provider_name,
        row.provider_country,
        row.provider_deqar_id,
        row.decision,
        words(row.decision),
        day(row.decided_at),
        row.stage,
        rubric_label(rubric) if rubric else None,
        row.content_hash,
        joined(f"{w.get('element')}: {w.get('message')}" for w in row.warnings or ()),
    ]
    cells = head + descriptor_cells(row.data or {}, row.provider, row.external_id)
    assert len(cells) == len(CREDENTIALS.columns)
    return cells


def deqar_row(row: Any, config: DeqarConfig, conditions: Sequence[str]) -> list[Any] | None:
    """The DEQAR upload row of a decided round, or None when DEQAR does not take it."""
    data = row.data or {}
    level = data.get("eqf_level")
    decision = row.decision
    if decision == "approved_with_conditions" and row.stage == "approved":
        decision = "approved"  # every condition was met: the decision was upgraded
    if decision not in FINAL or level not in QF_EHEA:
        return None
    local = f"{config.local_prefix}{row.submission_id}-{row.round_number}"
    url = config.report_url.format(local_identifier=local, submission_id=row.submission_id)
    reasons = (row.aggregates or {}).get("reasons") or []
    skills = data.get("esco_skills") or []
    comment = [f"Round {row.round_number}."]
    if decision != row.decision:
        comment.append("Approved with conditions; every condition has been met.")
    if conditions:
        comment.append("Conditions: " + SEPARATOR.join(conditions))
    joint, unlisted = _joint_bodies(data, row.provider_deqar_id)
    if unlisted:
        comment.append("Also awarded by: " + SEPARATOR.join(unlisted) + ".")
    cells = [
        config.agency_id or None,
        local,
        config.activity_id or None,
        str(config.status),
        FINAL[decision],
        row.rationale or joined(reasons),
        day(row.valid_from) or day(row.decided_at),
        day(row.valid_to),
        "%Y-%m-%d",
        url or None,
        f"Review report {local}" if url else None,
        config.report_language or None,
        row.provider_deqar_id,
        row.external_id,
        data.get("title"),
        QF_EHEA[level],
        data.get("nqf_level"),
        "2",
        data.get("workload_ects"),
        "2",
        skills[0] if skills else None,
        joined(data.get("learning_outcomes")),
        data.get("field_of_study"),
        " ".join(comment),
        *joint,  # added in format 1.1: at the end, as the versioning rule asks
    ]
    assert len(cells) == len(DEQAR.columns)
    return cells


def _deqar_id(body: dict[str, Any]) -> str | None:
    for identifier in body.get("identifiers") or []:
        if str(identifier.get("scheme")) == "deqar":
            return str(identifier.get("value"))
    return None


def _joint_bodies(
    data: dict[str, Any], provider_deqar_id: str | None
) -> tuple[list[Any], list[str]]:
    """DEQAR ids of the other awarding bodies (one column each), and the names left over.

    The provider is the body holding its DEQAR id, or else the first body listed.
    """
    bodies = [b for b in data.get("awarding_bodies") or [] if isinstance(b, dict)]
    ids = [_deqar_id(body) for body in bodies]
    own = ids.index(provider_deqar_id) if provider_deqar_id in ids else 0
    listed: list[Any] = []
    unlisted: list[str] = []
    for n, (body, deqar) in enumerate(zip(bodies, ids, strict=True)):
        if n == own:
            continue
        if deqar is not None and len(listed) < JOINT_BODIES:
            listed.append(deqar)
        else:
            unlisted.append(str(body.get("name") or "?"))
    return listed + [None] * (JOINT_BODIES - len(listed)), unlisted


# -- Decisions, conditions, trail, rubric -------------------------------------------------------


def decision_row(d: Any, people: People, roles: Callable[[int], list[str]]) -> list[Any]:
    aggregates = d.aggregates or {}
    cells = [
        d.submission_id,
        d.round_number,
        d.provider,
        d.external_id,
        d.title,
        d.id,
        d.revision,
        "yes" if d.current else "no",
        d.decision,
        words(d.decision),
        d.recommended_decision,
        None
        if d.recommended_decision is None
        else ("yes" if d.recommended_decision == d.decision else "no"),
        people.scrub(d.rationale),
        joined(aggregates.get("reasons")),
        aggregates.get("overall_mean"),
        joined(aggregates.get("must_pass_failures")),
        joined(aggregates.get("zeros")),
        people.name(d.signed_by),
        joined(r for r in roles(d.signed_by) if r in ("officer", "admin")),
        when(d.signed_at),
        day(d.decided_at),
        day(d.valid_from),
        day(d.valid_to),
        d.condition_count,
        d.supersedes_id,
        people.scrub(d.correction_reason),
    ]
    assert len(cells) == len(DECISIONS.columns)
    return cells


def condition_row(c: Any, people: People) -> list[Any]:
    return [
        c.submission_id,
        c.round_number,
        c.decision_id,
        c.id,
        people.scrub(c.text),
        people.scrub(c.owner),
        day(c.due_date),
        c.status,
        when(c.met_at),
        people.name(c.met_by),
        people.scrub(c.evidence),
    ]


def trail_row(row: Any, people: People) -> list[Any]:
    actor = people.name(row.actor_id) if row.actor_id is not None else people.scrub(row.actor_label)
    return [
        row.id,
        when(row.at),
        row.submission_id,
        actor,
        row.action,
        row.entity_type,
        row.entity_id,
        people.scrub_json_text(row.before),
        people.scrub_json_text(row.after),
        row.prev_hash,
        row.entry_hash,
    ]


def rubric_rows(rubric: Rubric, content_hash: str) -> Iterable[list[Any]]:
    principles = {p.code: p for p in rubric.principles}
    for c in rubric.criteria:
        principle = principles[c.principle]
        yield [
            rubric.key,
            rubric_label(rubric),
            content_hash,
            c.principle,
            principle.name,
            joined(principle.esg),
            c.id,
            c.title,
            c.question,
            "yes" if c.must_pass else "no",
            "yes" if c.not_applicable_allowed else "no",
            *c.levels,
            joined(c.evidence),
            joined(c.esg),
            c.guidance or None,
        ]
