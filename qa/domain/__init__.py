"""Pure rules of the product: no SQL, HTTP, Prefect or spreadsheet code lives here."""
