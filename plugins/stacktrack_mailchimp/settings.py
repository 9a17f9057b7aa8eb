"""The ``[sources.<name>]`` settings of the Mailchimp (connected apps) plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr


class MailchimpSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "mailchimp"``."""

    token: SecretStr
    """A Marketing API key (``...-us6``) or an OAuth access token, given as ``{ env = "NAME" }``."""
    auth: Literal["api_key", "oauth"] = "api_key"
    """``api_key``: HTTP Basic with the key as password; ``oauth``: ``Authorization: Bearer``."""
    server_prefix: str | None = None
    """The data center (``us6``): taken from an API key's suffix when not set; needed with OAuth."""

    @model_validator(mode="after")
    def _host(self) -> MailchimpSettings:
        if self.base_url is None:
            prefix = self.server_prefix
            key = self.token.get_secret_value()
            if prefix is None and self.auth == "api_key" and "-" in key:
                prefix = key.rsplit("-", 1)[1]
            if not prefix or not prefix.isalnum():
                raise ValueError(
                    "set server_prefix (the data center, e.g. us6) or base_url: it cannot be "
                    "taken from this token"
                )
            self.base_url = f"https://{prefix}.api.mailchimp.com/3.0"
        return self
