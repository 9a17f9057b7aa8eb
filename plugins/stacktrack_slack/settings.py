"""The ``[sources.<name>]`` settings of the Slack plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from pydantic import Field

from stacktrack.plugin_api import PluginSettings, SecretStr

ANALYTICS_KEPT_DAYS = 395
"""Slack keeps a rolling 13 months of member analytics: never ask further back."""


class SlackSettings(PluginSettings):
    """Settings of a ``slack`` source."""

    token: SecretStr
    """A user token (``xoxp-``) of a workspace admin or owner with ``users:read``,
    ``users:read.email`` and ``admin``; a bot token can list members only."""
    team_id: str | None = None
    """Workspace id, needed only with an Enterprise Grid org-level token."""
    page_limit: int = Field(default=200, ge=1, le=1000)
    """Members per ``users.list``/``team.billableInfo`` page (Slack recommends at most 200)."""
    log_page_count: int = Field(default=100, ge=1, le=1000)
    """Rows per ``team.accessLogs``/``team.integrationLogs`` page (``count``)."""
    max_log_pages: int = Field(default=100, ge=1, le=10_000)
    """Stop reading a log after this many pages in all; the run then carries a note saying so.
    Slack serves 100 pages per query: the access log is read further back with ``before``."""
    analytics_days: int = Field(default=31, ge=1, le=ANALYTICS_KEPT_DAYS)
    """Days of Enterprise Grid member analytics to read (one file per day, the newest first);
    fewer than the tool's active window leaves the window partly seen (a note says so)."""
