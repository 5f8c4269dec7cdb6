"""Read-only page builders: what each role's pages show (no writes)."""
