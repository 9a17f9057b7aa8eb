"""The Textual terminal UI (SPEC §9): ``app.make_app`` / ``app.run_tui``."""
