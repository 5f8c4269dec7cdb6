"""The product's exception hierarchy; entry points map these to exit codes and HTTP."""

from __future__ import annotations


class QAError(Exception):
    """Base of every error a user can cause; the message is shown as it is."""


class NotFound(QAError):
    """The thing asked for does not exist (or is not visible to the asker)."""


class NotAllowed(QAError):
    """The actor may not do this."""


class IllegalTransition(QAError):
    """The submission is not in a stage where this action is possible."""


class InvalidInput(QAError):
    """Input failed validation; `problems` lists each problem in plain words.

    The message (or each problem) names the field in the words its form shows ("Review date:
    …"); `field` is the name the form sends it under, when one field is wrong (the web page's
    error summary links to it, the API reports it).
    """

    def __init__(
        self, message: str, problems: tuple[str, ...] = (), *, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.problems = problems
        self.field = field


class Conflict(QAError):
    """Someone else changed the same thing first (optimistic lock, duplicate key)."""
