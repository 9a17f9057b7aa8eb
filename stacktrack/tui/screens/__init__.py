"""One screen per area of the TUI (SPEC §9)."""
