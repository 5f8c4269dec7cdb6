"""SQL store: SQLModel tables, engines (SQLite and PostgreSQL), migrations and queries."""
