"""The ``[sources.<name>]`` settings of the Adobe Marketo Engage plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr, check_base_url


class MarketoSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "marketo"``: a LaunchPoint custom service."""

    base_url: str  # required: every instance has its own host
    """The REST API endpoint, ``https://<munchkin-id>.mktorest.com`` (Admin → Web Services)."""
    client_id: str
    """The custom service's client id (LaunchPoint → View Details)."""
    client_secret: SecretStr
    """The custom service's client secret, given as ``{ env = "NAME" }``."""
    identity_url: str | None = None
    """The Identity endpoint; default: ``<base_url>/identity``."""
    daily_quota: int = Field(default=50_000, ge=1)
    """The instance's daily API quota (50,000 unless Adobe raised it)."""
    quota_reserve: int = Field(default=1_000, ge=0)
    """Calls to leave for the instance's other integrations."""

    @model_validator(mode="after")
    def _identity_url_security(self) -> MarketoSettings:
        # The client secret goes to the Identity endpoint: the same cleartext rule as base_url.
        if self.identity_url is not None:
            try:
                check_base_url(self.identity_url, allow_insecure_http=self.allow_insecure_http)
            except ValueError as exc:
                raise ValueError(str(exc).replace("base_url", "identity_url")) from None
        return self
