"""Exit codes of the `qa` command (listed in the README): scripts branch on them."""

from __future__ import annotations

EXIT_REJECTED = 1  # an import was rejected: nothing was written
EXIT_USER_ERROR = 2  # invalid input: a bad file, value, setting or database address
EXIT_CONFLICT = 3  # clashes with what is saved (a taken username, a changed record)
EXIT_PARTIAL = 4  # `--partial` imported the valid rows and rejected others
