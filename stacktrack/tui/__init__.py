"""The Textual terminal UI (docs/architecture.md): ``app.make_app`` / ``app.run_tui``."""
