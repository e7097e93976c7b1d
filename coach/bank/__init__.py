"""The question bank: typed entries (`model`), loading and checking (`load`), rendering,
search and import."""
