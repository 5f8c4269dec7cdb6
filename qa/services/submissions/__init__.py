"""Submissions: drafts, the descriptor, the stage machine, catalogue import, self-assessment."""
