"""Writing spreadsheets: row generators feed one writer per format."""
