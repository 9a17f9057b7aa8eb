"""The ``[sources.<name>]`` settings of the Intercom plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr

REGIONS = {
    "us": "https://api.intercom.io",
    "eu": "https://api.eu.intercom.io",
    "au": "https://api.au.intercom.io",
}


class IntercomSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "intercom"``."""

    token: SecretStr
    """An access token (a private app's, or OAuth) with "Read admins", given as
    ``{ env = "NAME" }``."""
    region: Literal["us", "eu", "au"] = "us"
    """Where the workspace is hosted; picks the API host when ``base_url`` is not set."""
    intercom_version: str = "2.14"
    """The ``Intercom-Version`` header sent with every request."""

    @model_validator(mode="after")
    def _regional_host(self) -> IntercomSettings:
        if self.base_url is None:
            self.base_url = REGIONS[self.region]
        return self
