"""The ``[sources.<name>]`` settings of the HubSpot plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from stacktrack.plugin_api import PluginSettings, SecretStr


class HubSpotSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "hubspot"``."""

    token: SecretStr
    """Private-app (or OAuth) access token with ``settings.users.read`` and
    ``account-info.security.read``, given as ``{ env = "NAME" }``."""
