"""The ``[sources.<name>]`` settings of the Zoom plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr, check_base_url

TOKEN_URL = "https://zoom.us/oauth/token"


class ZoomSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "zoom"``: a Server-to-Server OAuth app's credentials."""

    account_id: str
    """The Zoom account id shown on the app's credentials page."""
    client_id: str
    """The app's client id."""
    client_secret: SecretStr
    """The app's client secret, given as ``{ env = "NAME" }``."""
    oauth_url: str = TOKEN_URL
    """Where to get access tokens; change it only for a proxy or the sandbox."""

    @model_validator(mode="after")
    def _oauth_url_security(self) -> ZoomSettings:
        # The client secret goes to the token endpoint: the same cleartext rule as base_url.
        try:
            check_base_url(self.oauth_url, allow_insecure_http=self.allow_insecure_http)
        except ValueError as exc:
            raise ValueError(str(exc).replace("base_url", "oauth_url")) from None
        return self
