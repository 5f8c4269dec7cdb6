"""Reading request values, bounded: path ids, whole numbers, dates (validated once, here).

* Path ids: `bound_path_ids` makes every `{name:int}` segment of the app's routes match only
  numbers the database can hold (`qa.domain.bounds.MAX_INTEGER`), so `/submissions/2147483648`
  is the router's 404, like any other address that names nothing.
* Form and query values: `whole_number`, `version`, `day` raise `InvalidInput` naming the field
  and the reason; the error handler answers 422 with it.
* Text: control characters anywhere in a request are refused before any handler runs
  (`qa.web.input_guard`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.routing import BaseRoute, Route, compile_path

from qa.domain import bounds
from qa.domain.errors import InvalidInput


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (leading zeros allowed)."""
    digits = str(limit)
    choices = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for index, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - index - 1
            choices.append(
                f"{digits[:index]}[0-{int(digit) - 1}]" + f"[0-9]{{{rest}}}" * bool(rest)
            )
    choices.append(digits)
    return "0*(?:" + "|".join(choices) + ")"


class DatabaseId(IntegerConvertor):
    """`{id:int}`, but only the ids a row can have: a longer number does not match the route."""

    regex = _at_most(bounds.MAX_INTEGER)


register_url_convertor("database_id", DatabaseId())


def bound_path_ids(routes: Iterable[BaseRoute]) -> None:
    """Limit the routes' integer path parameters to the database's range (in place).

    `route.path` stays as written (the authorization matrix and `url_path_for` know it).
    """
    for route in routes:
        if isinstance(route, Route) and ":int}" in route.path:
            route.path_regex, route.path_format, route.param_convertors = compile_path(
                route.path.replace(":int}", ":database_id}")
            )


def text_of(value: object) -> str:
    """A form or query value as text, stripped; "" when missing or an uploaded file."""
    return value.strip() if isinstance(value, str) else ""


def whole_number(value: object, label: str, name: str | None = None) -> int:
    """A whole number from 0 to `MAX_INTEGER` from the form or query field `name`, whose label
    on the form is `label` (the refusal says "Label: why")."""
    text = text_of(value)
    try:
        return bounds.whole_number(text)
    except ValueError as problem:
        why = "is missing; give a whole number" if not text else str(problem)
        raise InvalidInput(f"{label}: {why}", field=name) from None


def version(value: object) -> int:
    """The row version the page was built from (optimistic locking), sent in the hidden field
    `version`: missing or not a number, the page is damaged or out of date."""
    text = text_of(value)
    try:
        return bounds.whole_number(text)
    except ValueError as problem:
        why = "is missing" if not text else str(problem)
        raise InvalidInput(
            f"the page's version (a hidden field) {why}, so the page is out of date or damaged; "
            "reload it and try again",
            field="version",
        ) from None


def day(value: object, label: str, name: str | None = None) -> date:
    """A date field (YYYY-MM-DD, as a date input sends it) in `bounds.DATE_RANGE`; `label` is
    how the form names it (the refusal says "Label: why")."""
    text = text_of(value)
    if not text:
        raise InvalidInput(f"{label}: is missing; choose a date in the calendar", field=name)
    try:
        return bounds.calendar_day(text)
    except bounds.OutOfRange as problem:
        raise InvalidInput(f"{label}: {problem}, not {text[:40]!r}", field=name) from None
    except ValueError:
        raise InvalidInput(
            f"{label}: {text[:40]!r} is not a date; choose one in the calendar "
            "(or write it as YYYY-MM-DD)",
            field=name,
        ) from None
