"""Hypothesis strategies for hostile input: text, numbers, forms (issue 13, part 4).

Values are what a hostile client can put on the wire: control characters, bidi controls,
lone surrogates (sent as the invalid UTF-8 a lenient client produces), near-megabyte and
beyond-megabyte strings, numbers far beyond 64 bits, negative and non-finite numbers, other
types spelled as text; forms with fields missing, duplicated, unknown or out of order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import quote_from_bytes

from hypothesis import strategies as st

BIDI = ("\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2069")
#: Just under the web app's form limit (reaches the handlers) and just over it (413).
LONG = (999_000 // 4, 999_000, 1_000_001)

control_text = st.text(st.characters(categories=["Cc"]), min_size=1, max_size=20)
bidi_text = st.lists(st.sampled_from(BIDI) | st.text(max_size=5), min_size=1, max_size=8).map(
    "".join
)
surrogate_text = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=4)
numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.sampled_from([str(2**31), str(2**63), str(2**64), "-1", "-0", "0", "00", "1e309"]),
    st.sampled_from(["nan", "inf", "-inf", "1.5", "0x10", "1_000", "٣", "１２"]),
)
other_types = st.sampled_from(["", " ", "[]", "{}", "null", "true", "None", "[1, 2]", '{"a":1}'])
dates = st.sampled_from(["0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01", "-1-01-01"])
long_text = st.sampled_from(LONG).flatmap(
    lambda size: st.sampled_from(["x", "é", "\u202e", "1"]).map(lambda c: c * size)
)
hostile_text = st.one_of(
    st.text(max_size=60),
    control_text,
    bidi_text,
    surrogate_text,
    numbers,
    other_types,
    dates,
    long_text,
)
field_names = st.one_of(st.text(min_size=1, max_size=20), control_text, bidi_text)

Form = list[tuple[str, str]]


@st.composite
def forms(draw: st.DrawFn, baseline: Mapping[str, str | Sequence[str]], fields: set[str]) -> Form:
    """The baseline form with each field kept, dropped, replaced or duplicated; maybe more."""
    items: Form = []
    for name in sorted(fields | set(baseline)):
        given = baseline.get(name)
        values = [given] if isinstance(given, str) else list(given or [])
        action = draw(st.sampled_from(("keep", "drop", "replace", "duplicate")))
        if action == "keep":
            items += [(name, value) for value in values]
        elif action == "replace":
            items.append((name, draw(hostile_text)))
        elif action == "duplicate":
            items += [(name, draw(hostile_text)), *((name, value) for value in values)]
    if draw(st.booleans()):
        items.append((draw(field_names), draw(hostile_text)))
    return draw(st.permutations(items)) if len(items) < 12 else items


def wire(text: str) -> bytes:
    """UTF-8, with lone surrogates as the bytes a lenient encoder sends (invalid UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


def urlencoded(form: Form) -> bytes:
    return "&".join(
        f"{quote_from_bytes(wire(name))}={quote_from_bytes(wire(value))}" for name, value in form
    ).encode("ascii")


def changed_fields(form: Form, baseline: Mapping[str, str | Sequence[str]]) -> set[str]:
    """The names whose values differ from the baseline's (or that the baseline lacks)."""
    sent: dict[str, list[str]] = {}
    for name, value in form:
        sent.setdefault(name, []).append(value)

    def given(name: str) -> list[str]:
        value = baseline.get(name)
        return [value] if isinstance(value, str) else list(value or [])

    return {name for name in set(sent) | set(baseline) if sent.get(name) != given(name)}
