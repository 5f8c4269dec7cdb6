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
    """Input failed validation; `problems` lists each problem in plain words."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class Conflict(QAError):
    """Someone else changed the same thing first (optimistic lock, duplicate key)."""
