"""Operations: first start, demo data, backups."""
