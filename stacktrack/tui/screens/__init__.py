"""One screen per area of the TUI (docs/architecture.md)."""
