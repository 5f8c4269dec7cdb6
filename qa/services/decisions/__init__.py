"""Decisions: moderation, sign-off, conditions and their reports, corrections."""
