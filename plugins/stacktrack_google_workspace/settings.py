"""The ``[sources.<name>]`` settings of the Google Workspace plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from stacktrack.plugin_api import PluginSettings, SecretStr


class LicenseSku(BaseModel):
    """One License Manager SKU whose holders count as Workspace seats."""

    model_config = ConfigDict(extra="forbid")

    product_id: str
    """Product id, e.g. ``Google-Apps``."""
    sku_id: str
    """SKU id, e.g. ``1010020028`` (Business Standard)."""


DEFAULT_SCOPES = (
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
    "https://www.googleapis.com/auth/admin.reports.audit.readonly",
    "https://www.googleapis.com/auth/admin.reports.usage.readonly",
    "https://www.googleapis.com/auth/apps.licensing",
)
"""What the plugin reads: Directory users, Reports activities and usage, License Manager."""


class GoogleWorkspaceSettings(PluginSettings):
    """Settings of a ``google_workspace`` source."""

    token: SecretStr | None = None
    """A ready OAuth access token (lasts about an hour: for a one-off run). Unattended runs use a
    service account instead (``credentials_file`` or ``credentials``, with ``subject``)."""
    credentials_file: Path | None = None
    """A service-account JSON key file (relative paths: from the config file's folder)."""
    credentials: SecretStr | None = None
    """The same key's JSON content, given as ``{ env = "NAME" }``."""
    subject: str | None = None
    """The admin e-mail the service account acts as (domain-wide delegation)."""
    scopes: list[str] = Field(default_factory=lambda: list(DEFAULT_SCOPES))
    """The scopes asked for; each must be authorised for the account's client id."""
    customer: str = "my_customer"
    """Directory ``customer`` parameter: ``my_customer`` (the token's own account) or a customer id."""
    customer_id: str | None = None
    """Customer id for License Manager (``C0...``); default: the one Directory users carry."""
    license_skus: list[LicenseSku] = Field(default_factory=list)
    """SKUs whose holders are the Workspace seats; empty: every active user holds a seat."""
    licensing_base_url: str | None = None
    """License Manager host; default: ``base_url`` when one is set, else licensing.googleapis.com."""
    users_page_size: int = Field(default=500, ge=1, le=500)
    """Directory users per page (``maxResults``, at most 500)."""
    activities_page_size: int = Field(default=1000, ge=1, le=1000)
    """Reports activities per page (``maxResults``, at most 1000)."""

    @model_validator(mode="after")
    def _one_way_to_authenticate(self) -> Self:
        given = [
            name
            for name in ("token", "credentials_file", "credentials")
            if getattr(self, name) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of token, credentials_file or credentials"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.token is None and not (self.subject and "@" in self.subject):
            raise ValueError("a service account needs subject = the admin e-mail it acts as")
        if self.token is None and not self.scopes:
            raise ValueError("scopes must not be empty")
        return self
