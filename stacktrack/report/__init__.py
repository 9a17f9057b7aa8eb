"""Output formats only: the report as JSON or a table, and the CSV/JSON exports. Nothing here computes."""
