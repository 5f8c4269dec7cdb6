"""The descriptor as a web form: its sections, widgets, and form values <-> a raw descriptor.

Labels, hints and code lists come from `descriptor_fields` (the table the catalogue import
uses), and the values a form posts become the same kind of raw mapping a catalogue row
becomes, so `validate_descriptor` judges a web form and a spreadsheet row alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from qa.domain.catalogue import split_list
from qa.domain.descriptor_fields import FIELDS_BY_KEY, FieldSpec, Kind
from qa.domain.enums import IdentifierScheme
from qa.domain.value_checks import plain

MAX_BODIES = 10
IDENTIFIER_HINT = (
    "One per line, written scheme:value, e.g. pic:912345678. Schemes: "
    + ", ".join(scheme.value for scheme in IdentifierScheme)
    + "."
)
LIST_HINT = "One per line."


class Widget(StrEnum):
    INPUT = "input"
    TEXTAREA = "textarea"
    LINES = "lines"  # a repeatable text element: one value per line
    SELECT = "select"
    CHECKBOXES = "checkboxes"
    CHECKBOX = "checkbox"
    DATE = "date"
    NUMBER = "number"
    BODIES = "bodies"


_LONG_TEXT = frozenset(
    {
        "learner_identification",
        "eqf_not_applicable_reason",
        "assessment_description",
        "qa_evidence",
        "prerequisites",
        "grade_scheme",
        "stackability_target",
        "further_information",
    }
)
_WIDGETS = {
    Kind.TEXT_LIST: Widget.LINES,
    Kind.CHOICE: Widget.SELECT,
    Kind.INTEGER_OR_NA: Widget.SELECT,
    Kind.CHOICE_LIST: Widget.CHECKBOXES,
    Kind.BOOLEAN: Widget.CHECKBOX,
    Kind.DATE: Widget.DATE,
    Kind.NUMBER: Widget.NUMBER,
    Kind.BODIES: Widget.BODIES,
}

_FORM_HINTS = {
    "awarding_bodies": "Each body needs its legal name and at least one identifier. Leave a "
    "body's fields empty to remove it.",
    "work_based": "Tick when part of the learning takes place at work.",
    # plain words for people (the spreadsheet's help names the standards: BCP 47, ISO 3166)
    "title_language": "The language the title is written in, as a short code: en for English, "
    "pt for Portuguese, de for German. Leave it empty for English.",
    "issuer_countries": "Each country as its two-letter code, one per line: PT for Portugal, "
    "ES for Spain, DE for Germany.",
    "issue_date": "The first day a learner can receive it. Choose it in the calendar, or type "
    "it in the order the box shows.",
    "eqf_level": "EQF level 1 to 8, or “Not applicable” with the reason in the next box.",
    "eqf_not_applicable_reason": "Needed only when the EQF level is “Not applicable”.",
    "language": "Optional. The languages it is taught in, as short codes, one per line: en, "
    "pt, de.",
    "issuer_regions": "Optional. The issuer's region as its EU region code (NUTS), one per "
    "line, e.g. PT11 for Norte.",
    "qa_type": "Internal, external, or both.",
    "stackability": "Optional. Stand-alone, or stackable into a larger credential (then name "
    "it in the next box).",
    "field_of_study": "Optional. The field-of-study code (ISCED-F), 2 to 4 digits, e.g. 0613 "
    "for software and applications development.",
}
_KEY_IN_TEXT = re.compile(
    r"\b(" + "|".join(re.escape(key) for key in FIELDS_BY_KEY if "_" in key) + r")\b"
)


def readable(text: str) -> str:
    """A message for people: element keys become their labels, `not_applicable` words."""
    text = _KEY_IN_TEXT.sub(lambda m: f"“{FIELDS_BY_KEY[m.group(0)].label}”", text)
    return text.replace("not_applicable", "“Not applicable”")


def choice_words(choice: str) -> str:
    """A code as words: internal_and_external -> Internal and external; 6 -> EQF 6."""
    if choice.isdigit():
        return f"EQF {choice}"
    words = choice.replace("_", " ").replace(" id ", " ID ")
    return words[:1].upper() + words[1:]


@dataclass(frozen=True)
class FormField:
    spec: FieldSpec
    widget: Widget

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def hint(self) -> str:
        """The spec's help, worded for a form (lists are one per line, not `;`-separated)."""
        if self.key in _FORM_HINTS:
            return _FORM_HINTS[self.key]
        text = self.spec.help
        for spreadsheet_only in (", separated by ;", " separated by ;", " (or an Excel date)"):
            text = text.replace(spreadsheet_only, "")
        text = _KEY_IN_TEXT.sub(lambda m: f"“{FIELDS_BY_KEY[m.group(0)].label}”", text)
        return f"{text} {LIST_HINT}" if self.widget is Widget.LINES else text

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """(value, words) for each choice of a select or a checkbox group."""
        return tuple((choice, choice_words(choice)) for choice in self.spec.choices)

    @property
    def required(self) -> bool:
        return self.spec.mandatory

    @property
    def choices(self) -> tuple[str, ...]:
        return self.spec.choices

    @property
    def anchor(self) -> str:
        """The id of the first control, the target of the error summary's link."""
        if self.widget is Widget.CHECKBOXES:
            return f"f-{self.key}-{self.choices[0]}"
        if self.widget is Widget.BODIES:
            return f"f-{self.key}-1-name"
        return f"f-{self.key}"

    @property
    def swaps_whole_field(self) -> bool:
        """Whether the inline check re-renders the field (to update `aria-invalid`) or only its
        messages. Only controls whose change event fires once the person has left them are
        re-rendered: a select, a date or a group of controls fires while still in use, and
        replacing it then would undo what the person is doing."""
        return self.widget in (Widget.INPUT, Widget.TEXTAREA, Widget.LINES, Widget.NUMBER)

    @property
    def groups_controls(self) -> bool:
        """Several controls under one legend (fieldset) rather than one labelled control."""
        return self.widget in (Widget.CHECKBOXES, Widget.BODIES)


def _field(key: str) -> FormField:
    spec = FIELDS_BY_KEY[key]
    widget = _WIDGETS.get(spec.kind)
    if widget is None:
        widget = Widget.TEXTAREA if key in _LONG_TEXT else Widget.INPUT
    return FormField(spec, widget)


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    fields: tuple[FormField, ...]


def _section(title: str, intro: str, keys: Iterable[str]) -> Section:
    return Section(title, intro, tuple(_field(key) for key in keys))


SECTIONS: tuple[Section, ...] = (
    _section(
        "The micro-credential",
        "What it is called and how its holders are identified.",
        ("title", "title_language", "external_id", "learner_identification"),
    ),
    _section(
        "Who issues it",
        "The issuer's country and the legal bodies that award the credential.",
        ("issuer_countries", "issuer_regions", "awarding_bodies", "issue_date"),
    ),
    _section(
        "Learning outcomes and workload",
        "What a learner can do afterwards, and the notional workload to get there.",
        ("learning_outcomes", "esco_skills", "workload_ects", "workload_hours"),
    ),
    _section(
        "Level",
        "The level in the European Qualifications Framework and, where relevant, the "
        "QF-EHEA cycle and national level.",
        ("eqf_level", "eqf_not_applicable_reason", "qf_ehea_cycle", "nqf_level"),
    ),
    _section(
        "Assessment and participation",
        "How learning is assessed and supervised, and how learners take part.",
        (
            "assessment_type",
            "assessment_description",
            "supervision",
            "grade_scheme",
            "participation_form",
            "work_based",
            "prerequisites",
        ),
    ),
    _section(
        "Quality assurance",
        "The quality assurance underpinning the micro-credential.",
        ("qa_type", "qa_evidence"),
    ),
    _section(
        "Pathways and further information",
        "Stackability, field of study, languages and where to read more.",
        (
            "stackability",
            "stackability_target",
            "field_of_study",
            "language",
            "further_information",
        ),
    ),
)
FORM_FIELDS: dict[str, FormField] = {f.key: f for s in SECTIONS for f in s.fields}


@dataclass(frozen=True)
class BodyEntry:
    """One awarding body as typed: a legal name and its identifiers, one per line."""

    name: str = ""
    identifiers: str = ""

    @property
    def blank(self) -> bool:
        return not self.name.strip() and not self.identifiers.strip()


@dataclass(frozen=True)
class FormValues:
    """What the form shows: text per field, the ticked choices, the awarding-body slots."""

    text: dict[str, str] = field(default_factory=dict)
    ticked: dict[str, tuple[str, ...]] = field(default_factory=dict)
    bodies: tuple[BodyEntry, ...] = (BodyEntry(),)

    def value(self, key: str) -> str:
        return self.text.get(key, "")

    def is_ticked(self, key: str, choice: str) -> bool:
        return choice in self.ticked.get(key, ())

    def with_another_body(self) -> FormValues:
        if len(self.bodies) >= MAX_BODIES:
            return self
        return FormValues(self.text, self.ticked, (*self.bodies, BodyEntry()))


def values_from_form(posted: Mapping[str, list[str]]) -> FormValues:
    """Read a posted form (each name -> its values); unknown names are ignored."""

    def first(name: str) -> str:
        values = posted.get(name) or [""]
        return values[0]

    text: dict[str, str] = {}
    ticked: dict[str, tuple[str, ...]] = {}
    for key, form_field in FORM_FIELDS.items():
        if form_field.widget is Widget.CHECKBOXES:
            chosen = set(posted.get(key, []))
            ticked[key] = tuple(c for c in form_field.choices if c in chosen)
        elif form_field.widget is not Widget.BODIES:
            text[key] = first(key)
    bodies = [
        BodyEntry(first(f"awarding_bodies-{n}-name"), first(f"awarding_bodies-{n}-identifiers"))
        for n in range(1, MAX_BODIES + 1)
        if f"awarding_bodies-{n}-name" in posted or f"awarding_bodies-{n}-identifiers" in posted
    ]
    return FormValues(text, ticked, tuple(bodies) or (BodyEntry(),))


def values_from_descriptor(data: Mapping[str, Any]) -> FormValues:
    """Fill the form from a stored descriptor (its JSON form)."""
    text: dict[str, str] = {}
    ticked: dict[str, tuple[str, ...]] = {}
    for key, form_field in FORM_FIELDS.items():
        value = data.get(key)
        if form_field.widget is Widget.CHECKBOXES:
            ticked[key] = tuple(str(v) for v in value or ())
        elif form_field.widget is Widget.LINES:
            text[key] = "\n".join(str(v) for v in value or ())
        elif form_field.widget is Widget.CHECKBOX:
            text[key] = "yes" if value else ""
        elif form_field.widget is Widget.NUMBER:
            text[key] = "" if value is None else plain(Decimal(str(value)))
        elif form_field.widget is not Widget.BODIES:
            text[key] = "" if value is None else str(value)
    if data.get("eqf_level") is None and data.get("eqf_not_applicable_reason"):
        text["eqf_level"] = "not_applicable"
    bodies = tuple(
        BodyEntry(
            str(body.get("name", "")),
            "\n".join(f"{i.get('scheme', '')}:{i.get('value', '')}" for i in body["identifiers"]),
        )
        for body in data.get("awarding_bodies") or ()
        if isinstance(body, Mapping)
    )
    return FormValues(text, ticked, bodies or (BodyEntry(),))


def raw_descriptor(values: FormValues) -> dict[str, Any]:
    """The raw descriptor the validator reads; blank fields are left out."""
    raw: dict[str, Any] = {}
    for key, form_field in FORM_FIELDS.items():
        widget = form_field.widget
        if widget is Widget.CHECKBOXES:
            if values.ticked.get(key):
                raw[key] = list(values.ticked[key])
        elif widget is Widget.BODIES:
            bodies = [_body(entry) for entry in values.bodies if not entry.blank]
            if bodies:
                raw[key] = bodies
        elif widget is Widget.LINES:
            items = [item for line in _lines(values.value(key)) for item in split_list(line)]
            if items:
                raw[key] = items
        elif values.value(key).strip():
            raw[key] = values.value(key).strip()
    return raw


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _body(entry: BodyEntry) -> dict[str, Any]:
    identifiers = []
    for line in _lines(entry.identifiers):
        scheme, _, value = line.partition(":")
        identifiers.append({"scheme": scheme.strip(), "value": value.strip()})
    return {"name": entry.name.strip(), "identifiers": identifiers}


# -- reading a stored descriptor ---------------------------------------------------------------


@dataclass(frozen=True)
class DescriptorRow:
    label: str
    values: tuple[str, ...]  # one entry per value of a repeatable element


def descriptor_rows(data: Mapping[str, Any]) -> list[DescriptorRow]:
    """A stored descriptor (JSON form) as labelled rows in form order; empty elements left out."""
    rows = []
    for key, form_field in FORM_FIELDS.items():
        value = data.get(key)
        if value is None or value in ([], ""):
            continue
        if form_field.widget is Widget.BODIES:
            shown = tuple(
                f"{body.get('name', '')} ("
                + ", ".join(f"{i.get('scheme')}: {i.get('value')}" for i in body["identifiers"])
                + ")"
                for body in value
            )
        elif form_field.widget is Widget.CHECKBOX:
            if not value:
                continue
            shown = ("Yes",)
        elif isinstance(value, list):
            shown = tuple(_shown(form_field, v) for v in value)
        else:
            shown = (_shown(form_field, value),)
        rows.append(DescriptorRow(form_field.label, shown))
    return rows


def _shown(form_field: FormField, value: object) -> str:
    if form_field.spec.choices and str(value) in form_field.spec.choices:
        return choice_words(str(value))
    if isinstance(value, float):
        return plain(Decimal(str(value)))
    return str(value)
