"""Reading uploaded files (catalogue spreadsheets) into domain rows."""
