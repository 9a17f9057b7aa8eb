"""Analysis tests: hand-built states, no store (SPEC §6, §7)."""
