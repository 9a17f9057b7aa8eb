"""The ``[sources.<name>]`` settings of the Salesforce plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr


class SalesforceSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "salesforce"``; ``base_url`` is the instance URL."""

    client_id: SecretStr | None = None
    """Connected-app consumer key for the OAuth client-credentials flow (instead of ``token``)."""
    client_secret: SecretStr | None = None
    """Connected-app consumer secret for the OAuth client-credentials flow."""
    api_version: str = Field(default="v60.0", pattern=r"^v\d+\.\d+$")
    """REST API version used in ``/services/data/<version>/query``."""
    license_names: list[str] = Field(default_factory=lambda: ["Salesforce"], min_length=1)
    """``UserLicense.Name`` values that belong to this tool (seat counts and which users count)."""

    @model_validator(mode="after")
    def _one_credential(self) -> SalesforceSettings:
        has_client = self.client_id is not None or self.client_secret is not None
        if self.token is not None and has_client:
            raise ValueError("give either `token` or `client_id` + `client_secret`, not both")
        if has_client and (self.client_id is None or self.client_secret is None):
            raise ValueError(
                "the client-credentials flow needs both `client_id` and `client_secret`"
            )
        if self.token is None and not has_client:
            raise ValueError("give `token` (an access token) or `client_id` + `client_secret`")
        return self
