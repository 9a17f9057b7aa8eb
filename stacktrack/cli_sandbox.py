"""``stacktrack demo`` and ``stacktrack sandbox serve``: click adapters over ``stacktrack.sandbox``."""

from __future__ import annotations

import click


@click.command()
def demo() -> None:
    """Build a simulated company, run its history through the real pipeline, open the TUI."""
    raise click.ClickException("the demo is not built yet")


@click.group()
def sandbox() -> None:
    """The vendor emulators over loopback HTTP."""
