"""Rubrics as data: the model, its validation and its content hash.

A rubric file (TOML, see `rubrics/`) is parsed into plain data and handed to
`parse_rubric`, which reports *every* problem (file, key, reason) instead of stopping at
the first. A stored rubric version is identified by the SHA-256 of its canonical content, so
formatting or comments in the file do not change its identity but any content change does.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from qa.domain.errors import InvalidInput

SCHEMA_VERSION = 1
LEVELS = (0, 1, 2, 3)
PRINCIPLE_CODES = ("QUAL", "TRAN", "RELV", "VASS", "PATH", "RECG", "PORT", "LRNC", "AUTH", "INFO")
_KEY = re.compile(r"^[a-z0-9][a-z0-9\-]{1,99}$")
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
_CRITERION_ID = re.compile(r"^([A-Z]{4})-(\d{1,2})$")
_ESG = re.compile(r"^1\.(?:[1-9]|10)$")
ESG_FORM = "an ESG 2015 Part 1 standard (1.1 to 1.10)"
_TOP_KEYS = {"schema", "rubric", "scale", "principles", "criteria"}
_CRITERION_KEYS = {
    "id",
    "principle",
    "title",
    "question",
    "must_pass",
    "not_applicable_allowed",
    "prescored_by",
    "evidence",
    "esg",
    "guidance",
    "levels",
}
_PRINCIPLE_KEYS = {"code", "name", "statement", "esg"}


@dataclass(frozen=True)
class RubricProblem:
    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}"


class RubricInvalid(InvalidInput):
    def __init__(self, problems: list[RubricProblem]) -> None:
        super().__init__(f"rubric has {len(problems)} problem(s)", tuple(str(p) for p in problems))
        self.rubric_problems = problems


@dataclass(frozen=True)
class ScaleLevel:
    value: int
    label: str
    meaning: str


@dataclass(frozen=True)
class Principle:
    code: str
    name: str
    statement: str
    esg: tuple[str, ...]


@dataclass(frozen=True)
class Criterion:
    id: str
    principle: str
    title: str
    question: str
    must_pass: bool
    not_applicable_allowed: bool
    prescored_by: str | None
    evidence: tuple[str, ...]
    esg: tuple[str, ...]
    guidance: str
    levels: tuple[str, str, str, str]  # descriptor of level 0, 1, 2, 3


@dataclass(frozen=True)
class Rubric:
    key: str
    version: str
    title: str
    language: str
    description: str
    source: str
    cannot_judge_label: str
    cannot_judge_help: str
    scale: tuple[ScaleLevel, ...]
    principles: tuple[Principle, ...]
    criteria: tuple[Criterion, ...]

    def content(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, **asdict(self)}

    def canonical_json(self) -> str:
        return json.dumps(self.content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def criteria_of(self, principle: str) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if c.principle == principle)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    @property
    def must_pass_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria if c.must_pass)


class _Reader:
    """Reads typed values out of untrusted data, recording a problem for each bad one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[RubricProblem] = []

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(RubricProblem(self.source, key, reason))

    def text(
        self, table: Mapping[str, Any], name: str, where: str, *, optional: bool = False
    ) -> str:
        value = table.get(name)
        if optional and (value is None or value == ""):
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(
                f"{where}.{name}", "is missing" if value is None else "must be non-empty text"
            )
            return ""
        return value.strip()

    def flag(self, table: Mapping[str, Any], name: str, where: str) -> bool:
        value = table.get(name, False)
        if not isinstance(value, bool):
            self.problem(f"{where}.{name}", "must be true or false")
            return False
        return value

    def texts(
        self,
        table: Mapping[str, Any],
        name: str,
        where: str,
        pattern: re.Pattern[str] | None = None,
        expected: str = "",
    ) -> tuple[str, ...]:
        value = table.get(name)
        if not isinstance(value, list | tuple) or not value:
            self.problem(f"{where}.{name}", "must be a non-empty list")
            return ()
        out = []
        for n, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{where}.{name}[{n}]", "must be non-empty text")
            elif pattern and not pattern.match(item):
                self.problem(f"{where}.{name}[{n}]", f"{item!r} is not {expected}")
            else:
                out.append(item.strip())
        return tuple(out)

    def unknown_keys(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for name in table:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), sorted(allowed), n=1)
                hint = (
                    f"did you mean {close[0]}?"
                    if close
                    else f"expected one of: {', '.join(sorted(allowed))}"
                )
                self.problem(
                    f"{where}.{name}" if where else str(name), f"is not a known key ({hint})"
                )

    def table(self, data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
        value = data.get(name)
        if not isinstance(value, Mapping):
            self.problem(name, "is missing" if value is None else "must be a table")
            return {}
        return value

    def tables(
        self, data: Mapping[str, Any], name: str, where: str = ""
    ) -> list[Mapping[str, Any]]:
        key = f"{where}.{name}" if where else name
        value = data.get(name)
        if not isinstance(value, list | tuple) or not value:
            self.problem(key, "is missing or empty")
            return []
        good = [item for item in value if isinstance(item, Mapping)]
        if len(good) != len(value):
            self.problem(key, "every entry must be a table")
        return good


def parse_rubric(data: Mapping[str, Any], source: str) -> Rubric:
    """Validate rubric data; raise `RubricInvalid` listing every problem found."""
    r = _Reader(source)
    r.unknown_keys(data, _TOP_KEYS, "")
    schema = data.get("schema")
    if type(schema) is not int or schema != SCHEMA_VERSION:
        r.problem("schema", f"must be {SCHEMA_VERSION} (the rubric file format this version reads)")
    head = r.table(data, "rubric")
    key = r.text(head, "key", "rubric")
    if key and not _KEY.match(key):
        r.problem("rubric.key", "use lower-case letters, digits and hyphens")
    version = r.text(head, "version", "rubric")
    if version and not _VERSION.match(version):
        r.problem("rubric.version", f"{version!r} is not a version like 1.0.0")
    title = r.text(head, "title", "rubric")
    scale_table = r.table(data, "scale")
    scale = _scale(r, scale_table) if "scale" in data else ()
    principles = _principles(r, r.tables(data, "principles"))
    criteria = _criteria(r, r.tables(data, "criteria"), {p.code for p in principles})
    for principle in principles:
        if not any(c.principle == principle.code for c in criteria):
            r.problem(f"principles.{principle.code}", "has no criteria")
    if r.problems:
        raise RubricInvalid(r.problems)
    return Rubric(
        key=key,
        version=version,
        title=title,
        language=r.text(head, "language", "rubric", optional=True) or "en",
        description=r.text(head, "description", "rubric", optional=True),
        source=r.text(head, "source", "rubric", optional=True),
        cannot_judge_label=str(scale_table.get("cannot_judge_label", "Cannot judge")),
        cannot_judge_help=str(scale_table.get("cannot_judge_help", "")),
        scale=scale,
        principles=principles,
        criteria=criteria,
    )


def _scale(r: _Reader, table: Mapping[str, Any]) -> tuple[ScaleLevel, ...]:
    levels = r.tables(table, "levels", "scale")
    found: dict[int, ScaleLevel] = {}
    for n, level in enumerate(levels):
        value = level.get("value")
        where = f"scale.levels[{n}]"
        if not isinstance(value, int) or isinstance(value, bool) or value not in LEVELS:
            r.problem(f"{where}.value", "must be one of 0, 1, 2, 3")
            continue
        if value in found:
            r.problem(f"{where}.value", f"level {value} is defined twice")
        found[value] = ScaleLevel(
            value, r.text(level, "label", where), r.text(level, "meaning", where, optional=True)
        )
    for value in LEVELS:
        if levels and value not in found:
            r.problem("scale.levels", f"level {value} is missing")
    return tuple(found[v] for v in LEVELS if v in found)


def _principles(r: _Reader, tables: list[Mapping[str, Any]]) -> tuple[Principle, ...]:
    out: list[Principle] = []
    seen: set[str] = set()
    for n, table in enumerate(tables):
        where = f"principles[{n}]"
        r.unknown_keys(table, _PRINCIPLE_KEYS, where)
        code = r.text(table, "code", where)
        if code and code not in PRINCIPLE_CODES:
            r.problem(
                f"{where}.code",
                f"{code!r} is not one of the ten Annex II principles "
                f"({', '.join(PRINCIPLE_CODES)})",
            )
            continue
        if code in seen:
            r.problem(f"{where}.code", f"duplicate principle {code!r}")
            continue
        seen.add(code)
        out.append(
            Principle(
                code,
                r.text(table, "name", where),
                r.text(table, "statement", where),
                r.texts(table, "esg", where, _ESG, ESG_FORM),
            )
        )
    return tuple(out)


def _criteria(
    r: _Reader, tables: list[Mapping[str, Any]], principles: set[str]
) -> tuple[Criterion, ...]:
    out: list[Criterion] = []
    seen: set[str] = set()
    for n, table in enumerate(tables):
        cid = table.get("id")
        where = f"criteria[{n}]" + (f" ({cid})" if isinstance(cid, str) else "")
        r.unknown_keys(table, _CRITERION_KEYS, where)
        cid = r.text(table, "id", where)
        match = _CRITERION_ID.match(cid)
        if cid and not match:
            r.problem(f"{where}.id", "must look like QUAL-1 (principle code, hyphen, number)")
        if cid in seen:
            r.problem(f"{where}.id", f"duplicate criterion id {cid!r}")
        seen.add(cid)
        principle = r.text(table, "principle", where)
        if principle and principle not in principles:
            r.problem(f"{where}.principle", f"unknown principle {principle!r}")
        elif match and principle and match.group(1) != principle:
            r.problem(
                f"{where}.id", f"id prefix {match.group(1)} does not match principle {principle}"
            )
        prescored = table.get("prescored_by")
        if prescored is not None and prescored != "validator":
            r.problem(f"{where}.prescored_by", "must be 'validator' when present")
        out.append(
            Criterion(
                id=cid,
                principle=principle,
                title=r.text(table, "title", where),
                question=r.text(table, "question", where),
                must_pass=r.flag(table, "must_pass", where),
                not_applicable_allowed=r.flag(table, "not_applicable_allowed", where),
                prescored_by=prescored if isinstance(prescored, str) else None,
                evidence=r.texts(table, "evidence", where),
                esg=r.texts(table, "esg", where, _ESG, ESG_FORM),
                guidance=r.text(table, "guidance", where, optional=True),
                levels=_levels(r, table.get("levels"), where),
            )
        )
    return tuple(out)


def _levels(r: _Reader, value: object, where: str) -> tuple[str, str, str, str]:
    if not isinstance(value, Mapping):
        r.problem(f"{where}.levels", "is missing (a table with descriptors for 0, 1, 2 and 3)")
        return ("", "", "", "")
    for name in value:
        if name not in {"0", "1", "2", "3"}:
            r.problem(f"{where}.levels.{name}", "is not a level (use 0, 1, 2, 3)")
    texts = []
    for level in LEVELS:
        text = value.get(str(level))
        if not isinstance(text, str) or not text.strip():
            r.problem(f"{where}.levels", f"level {level} is missing its descriptor")
            texts.append("")
        else:
            texts.append(text.strip())
    return (texts[0], texts[1], texts[2], texts[3])
