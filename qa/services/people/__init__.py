"""People: accounts, sign-in, sessions, API tokens, institutions, reviewer profiles."""
