"""The command line: thin click commands over the core (``main`` is the console script)."""

from stacktrack.cli.main import main

__all__ = ["main"]
