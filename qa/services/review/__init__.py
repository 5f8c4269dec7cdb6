"""Peer review: assignments and their state machine, scoring, deadlines, conflicts, rubrics."""
