"""The ``[sources.<name>]`` settings of the Anthropic (Claude Console) plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field

from stacktrack.plugin_api import PluginSettings, SecretStr


class AnthropicSettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "anthropic"``."""

    token: SecretStr
    """An Anthropic **Admin API key** (``sk-ant-admin...``), given as ``{ env = "NAME" }``."""
    workspace_id: str | None = None
    """Count as seats only the members of this workspace (``wrkspc_...``); default: every member
    of the organization."""
    messages_usage: bool = True
    """Read the Messages API usage report grouped by user account."""
    claude_code: bool = True
    """Read the Claude Code usage report (one request per day of the window)."""
    claude_code_days: int = Field(default=30, ge=1, le=366)
    """Days of Claude Code history to read (at most the look-back); the report takes one day per
    request."""
