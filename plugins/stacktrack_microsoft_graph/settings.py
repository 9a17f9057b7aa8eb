"""The ``[sources.<name>]`` settings of the Microsoft Graph (Entra ID + Microsoft 365) plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr, check_base_url


class MicrosoftGraphSettings(PluginSettings):
    """Settings of a ``microsoft_graph`` source."""

    tenant: str
    """The directory (tenant) id, or a verified domain such as ``contoso.onmicrosoft.com``."""
    client_id: str | None = None
    """The app registration's application (client) id."""
    client_secret: SecretStr | None = None
    """A client secret of that app registration, given as ``{ env = "NAME" }``."""
    authority_url: str = "https://login.microsoftonline.com"
    """The identity platform host (national clouds and the sandbox override it)."""
    scope: str = "https://graph.microsoft.com/.default"
    """The client-credentials scope: the Graph host's ``/.default``."""
    entra_premium: bool | None = None
    """Whether the tenant has Entra ID P1/P2; default: detected from its licences."""
    suite_skus: list[str] | None = None
    """``skuPartNumber`` values whose sign-ins count as use; default: SKUs with Exchange Online."""
    copilot_pool: bool = True
    """Report the Copilot licences as their own app (for a tool with ``product =
    "microsoft_365_copilot"``); ``false`` when the suite tool's contract lists Copilot as an add-on
    (feature ``ai-assistant``), so the pool is not also an unmatched app."""
    include_microsoft_apps: bool = False
    """Also report Microsoft's own first-party apps (Teams, Exchange Online, ...) as apps."""
    page_size: int = Field(default=999, ge=1, le=999)
    """``$top`` for users and service principals (Graph's maximum is 999)."""
    sign_ins_page_size: int = Field(default=1000, ge=1, le=1000)
    """``$top`` for sign-in logs."""

    @model_validator(mode="after")
    def _credentials(self) -> MicrosoftGraphSettings:
        if self.token is None and (self.client_id is None or self.client_secret is None):
            raise ValueError(
                "give client_id and client_secret (client credentials), or a ready access token"
            )
        try:
            # The client secret goes to the token endpoint: the same cleartext rule as base_url.
            check_base_url(self.authority_url, allow_insecure_http=self.allow_insecure_http)
        except ValueError as exc:
            raise ValueError(str(exc).replace("base_url", "authority_url")) from None
        return self
