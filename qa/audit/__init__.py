"""The audit trail: who did what, when, with before/after, written in the same transaction."""
