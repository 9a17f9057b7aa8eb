"""The test kit a plugin ships so the conformance suite can exercise it (``testkit.py``).

A kit is usually a module of the plugin package; any object with these members will do. The sample
data must be small, cross pages at the emulator's default page size (2) and hold every case the
plugin handles; ``expected_assigned`` says, independently of the plugin, which accounts hold a seat.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from stacktrack.plugin_api import Plugin
from stacktrack.testing.emulator import Emulator


class PluginKit(Protocol):
    PLUGIN: type[Plugin]
    """The plugin class under test (as registered under its entry point)."""
    EMULATOR: type[Emulator[Any]]
    """Its vendor emulator class (``EMULATOR.vendor == PLUGIN.name``)."""
    RATE_LIMIT_RETRYABLE: bool
    """False only where the vendor's rate-limit answer is not worth retrying (a daily quota)."""
    NOW: dt.datetime
    """The run clock (``CollectContext.now``) to use with ``sample_data``."""

    def sample_data(self) -> Any:
        """A fresh ``EMULATOR`` data object (tests may change it)."""
        ...

    def settings(self, token: str) -> dict[str, Any]:
        """The ``[sources.<name>]`` table minus ``base_url``, e.g. ``{"plugin": "okta", "token": token}``."""
        ...

    def expected_assigned(self, data: Any) -> dict[str | None, set[str]]:
        """App label (``None`` for the vendor's own product) -> ids of the accounts holding a seat."""
        ...
