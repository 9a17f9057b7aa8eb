"""GitHub Copilot seats for stacktrack: a third-party plugin (see README.md)."""
