"""The ``[sources.<name>]`` settings of the Okta plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field

from stacktrack.plugin_api import PluginSettings, SecretStr

DEFAULT_ASSIGNED_STATUSES = ("ACTIVE", "PROVISIONED", "IMPLICIT")
"""Assignment statuses that mean the user can use the app: assigned and active, provisioned into the
app, or granted implicitly. Okta's reference lists the statuses but not their meaning
(docs/plugins/okta.md), so this is a setting."""


class OktaSettings(PluginSettings):
    """Settings of an ``okta`` source."""

    base_url: str  # required here: every org has its own host
    """The org URL, e.g. ``https://acme.okta.com`` (a custom domain works too)."""
    token: SecretStr
    """An API token (sent as ``Authorization: SSWS <token>``) of a read-only administrator."""
    assigned_statuses: list[str] = Field(default_factory=lambda: list(DEFAULT_ASSIGNED_STATUSES))
    """App-assignment statuses that count as holding a seat."""
    apps_page_limit: int = Field(default=200, ge=1, le=200)
    """Apps per ``/api/v1/apps`` page (Okta's maximum is 200)."""
    users_page_limit: int = Field(default=500, ge=1, le=500)
    """Assignments per ``/api/v1/apps/{id}/users`` page (Okta's maximum is 500)."""
    logs_page_limit: int = Field(default=1000, ge=1, le=1000)
    """Events per ``/api/v1/logs`` page (Okta's maximum is 1000)."""
