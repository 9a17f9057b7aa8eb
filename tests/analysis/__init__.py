"""Analysis tests: hand-built states, no store (docs/methodology.md)."""
