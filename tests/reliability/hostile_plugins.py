"""Plugins that misbehave the way real vendors and files do, registered by patching the registry.

``install`` is for in-process tests (pytest's monkeypatch); ``main`` runs the real CLI in a
subprocess with them installed: ``python -m tests.reliability.hostile_plugins --config ... snapshot``.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from stacktrack import registry
from stacktrack.plugin_api import (
    Account,
    AnyPlugin,
    AppUsage,
    CollectContext,
    Integration,
    LocalPlugin,
    Observation,
    PluginError,
    run_blocking,
)

ESC = "\x1b[2J\x1b]0;owned\x07"
"""Clear the screen and retitle the terminal: what a hostile vendor string would try."""


class HugeCountPlugin(LocalPlugin):
    """A vendor reporting ``seatCount = 2**70``."""

    name = "hostile_huge"
    title = "Huge"

    async def collect(self, ctx: CollectContext) -> Observation:
        return Observation(apps=[AppUsage(seats_purchased=2**70)])


class EscapePlugin(LocalPlugin):
    """Terminal escapes in an app name, a user name, an integration and a note."""

    name = "hostile_escape"
    title = "Escape"

    async def collect(self, ctx: CollectContext) -> Observation:
        return Observation(
            apps=[
                AppUsage(
                    app=f"Shadow{ESC}App",
                    accounts=[Account(id="a", email="a@x.com", name=f"Eve{ESC}")],
                    integrations=[Integration(app=f"Zap{ESC}", kind="oauth_token")],
                )
            ],
            notes=[f"tier{ESC} refused"],
        )


class EscapeErrorPlugin(LocalPlugin):
    """Fails with vendor error text carrying terminal escapes."""

    name = "hostile_escape_error"
    title = "Escape error"

    async def collect(self, ctx: CollectContext) -> Observation:
        raise PluginError(self.source, f"vendor said: {ESC}denied")


class BlockedPlugin(LocalPlugin):
    """Blocking work that never ends (a read from a FIFO, a hung network share)."""

    name = "hostile_blocked"
    title = "Blocked"

    async def collect(self, ctx: CollectContext) -> Observation:
        await run_blocking(threading.Event().wait)
        raise AssertionError("the budget should have abandoned this")


HOSTILE: dict[str, type[AnyPlugin]] = {
    p.name: p for p in (HugeCountPlugin, EscapePlugin, EscapeErrorPlugin, BlockedPlugin)
}


def install(monkeypatch: Any) -> None:
    real_names, real_load = registry.plugin_names, registry.load_plugin
    monkeypatch.setattr(registry, "plugin_names", lambda: sorted([*real_names(), *HOSTILE]))
    monkeypatch.setattr(registry, "load_plugin", lambda name: HOSTILE.get(name) or real_load(name))


class _Patch:
    def setattr(self, target: Any, name: str, value: Any) -> None:
        setattr(target, name, value)


def main() -> None:
    from tests.fake_plugins import install_fake_plugins

    install_fake_plugins(_Patch())
    install(_Patch())
    from stacktrack.cli import main as cli

    cli(sys.argv[1:], prog_name="stacktrack")


if __name__ == "__main__":
    main()
