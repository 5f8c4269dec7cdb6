"""What every handler reads from a form the same way: the routing kick after a change, a text
field, the row version a page was built from, and one criterion's score."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import FormData
from starlette.requests import Request

from qa.domain.errors import InvalidInput
from qa.domain.rubric import LEVELS
from qa.domain.score_input import ScoreInput
from qa.web import params

#: The value of the "cannot judge" choice beside the levels on every rubric form.
CANNOT_JUDGE = "cj"


def kick(request: Request) -> None:
    """Wake the routing worker after a state change (`qa serve` sets it; tests leave None)."""
    wake = getattr(request.app.state, "kick", None)
    if wake is not None:
        wake()


def form_text(form: FormData, name: str) -> str:
    """A text field, stripped; "" when missing or a file."""
    return params.text_of(form.get(name))


def choice(form: FormData, name: str, label: str, options: Mapping[str, str]) -> str:
    """One of `options` (the values a form's buttons or radios send, each with the words the
    form shows) from the field `name`; anything else is refused naming `label` and the choices.
    """
    value = form_text(form, name)
    if value in options:
        return value
    why = "nothing was chosen" if not value else "that is not one of its choices"
    shown = " or ".join(f"“{words}”" for words in options.values())
    raise InvalidInput(f"{label}: {why}; choose {shown}", field=name)


def version_of(form: FormData) -> int:
    """The row version the page was built from (optimistic locking)."""
    return params.version(form.get("version"))


def score_entry(
    form: FormData, criterion: str, *, with_evidence: bool = False, comment: str = "comment"
) -> ScoreInput:
    """One criterion as posted by a rubric form: a level 0–3 or "cannot judge", a comment and,
    on the provider's self-assessment, evidence (one reference per line) or a reason for none.
    Anything else in the level field leaves the criterion unanswered. The officer's consensus
    form names its comment `rationale`."""
    level = form_text(form, f"level-{criterion}")
    evidence = form_text(form, f"evidence-{criterion}") if with_evidence else ""
    return ScoreInput(
        criterion,
        level=int(level) if level in {str(n) for n in LEVELS} else None,
        cannot_judge=level == CANNOT_JUDGE,
        comment=form_text(form, f"{comment}-{criterion}") or None,
        evidence_refs=tuple(line.strip() for line in evidence.splitlines() if line.strip()),
        no_evidence_reason=(form_text(form, f"reason-{criterion}") or None)
        if with_evidence
        else None,
    )
