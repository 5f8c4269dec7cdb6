"""Use cases: one function per user intent; each owns its transaction and writes audit."""
