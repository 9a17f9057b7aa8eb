"""Plugins for engine tests, registered by patching the registry (see ``install_fake_plugins``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import httpx
import pytest

from stacktrack import registry
from stacktrack.plugin_api import (
    Account,
    AnyPlugin,
    AppUsage,
    AuthenticationError,
    CollectContext,
    LocalPlugin,
    Observation,
    Plugin,
    PluginSettings,
)

log = logging.getLogger("tests.fake")


class GoodPlugin(LocalPlugin):
    name = "fake_good"
    title = "Good"

    async def collect(self, ctx: CollectContext) -> Observation:
        ctx.progress("listing users")
        return Observation(
            apps=[
                AppUsage(
                    seats_purchased=4,
                    accounts=[
                        Account(
                            id="a", email="a@x.com", last_active=ctx.now - dt.timedelta(days=1)
                        ),
                        Account(id="b", email="b@x.com"),
                    ],
                    activity_known=True,
                )
            ]
        )


class LeakyFailingPlugin(LocalPlugin):
    """Fails with an error text that contains its token, and logs the token: both must be redacted."""

    name = "fake_leaky"
    title = "Leaky"

    async def collect(self, ctx: CollectContext) -> Observation:
        token = self.settings.token.get_secret_value()  # type: ignore[union-attr]
        log.warning("calling vendor with token %s", token)
        raise AuthenticationError(self.source, f"token {token} was rejected")


class SlowPlugin(LocalPlugin):
    name = "fake_slow"
    title = "Slow"

    async def collect(self, ctx: CollectContext) -> Observation:
        await asyncio.sleep(30)
        raise AssertionError("the budget should have stopped this")


class CrashingPlugin(LocalPlugin):
    name = "fake_crash"
    title = "Crash"

    async def collect(self, ctx: CollectContext) -> Observation:
        return {}["missing"]  # type: ignore[no-any-return]


class HttpPlugin(Plugin):
    """Talks HTTP through the core client (for loopback tests)."""

    name = "fake_http"
    title = "HTTP"

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        from stacktrack.plugin_api import get_json

        body = await get_json(client, "/users", source=self.source)
        return Observation(
            apps=[AppUsage(accounts=[Account(id=u, email=u) for u in body], activity_known=False)]
        )


FAKES: dict[str, type[AnyPlugin]] = {
    p.name: p for p in (GoodPlugin, LeakyFailingPlugin, SlowPlugin, CrashingPlugin, HttpPlugin)
}


def install_fake_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    real_names, real_load = registry.plugin_names, registry.load_plugin
    monkeypatch.setattr(registry, "plugin_names", lambda: sorted([*real_names(), *FAKES]))
    monkeypatch.setattr(registry, "load_plugin", lambda name: FAKES.get(name) or real_load(name))


__all__ = ["FAKES", "PluginSettings", "install_fake_plugins"]
