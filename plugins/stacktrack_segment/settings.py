"""The ``[sources.<name>]`` settings of the Segment plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field

from stacktrack.plugin_api import PluginSettings, SecretStr


class SegmentSettings(PluginSettings):
    """Settings of a ``segment`` source."""

    token: SecretStr
    """A workspace Public API token whose role can read users, sources and destinations."""
    page_size: int = Field(default=200, ge=1, le=200)
    """``pagination.count`` per request (the docs disagree on the maximum; 200 is safe)."""
