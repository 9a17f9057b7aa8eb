"""The ``[sources.<name>]`` settings of the GitHub Copilot plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings`` (optional, for start-up time): the
commands that only read the database validate the config with this model and never import the
plugin (``docs/plugins/authoring.md``).
"""

from __future__ import annotations

from pydantic import Field

from stacktrack.plugin_api import PluginSettings, SecretStr


class GitHubCopilotSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "github_copilot"``."""

    org: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")
    """The organization's login (``https://github.com/<org>``)."""
    token: SecretStr
    """A token of an organization owner with ``manage_billing:copilot`` or ``read:org`` (classic)
    or the "GitHub Copilot Business" organization permission (fine-grained), as ``{ env = "NAME" }``."""
    emails: dict[str, str] = Field(default_factory=dict)
    """GitHub login -> the person's e-mail, so Copilot seats merge with the other sources."""
