"""Typed errors shared by the core and the plugins.

Plugins raise the ``PluginError`` family (re-exported by ``stacktrack.plugin_api``); the snapshot
engine turns each into a failed source with a one-line reason. ``StacktrackError`` subclasses are
user-facing problems the CLI prints without a traceback, with their exit status.
"""

from __future__ import annotations


class StacktrackError(Exception):
    """A problem the user can fix; printed as one short paragraph, never with a traceback."""

    exit_code = 1


class ConfigError(StacktrackError):
    """The configuration is missing, unreadable or invalid (docs/reference.md): exit status 2."""

    exit_code = 2


class UsageError(StacktrackError):
    """A command-line argument or input file is wrong: exit status 2."""

    exit_code = 2


class SnapshotLocked(StacktrackError):
    """Another snapshot holds this database's lock: exit status 75 (EX_TEMPFAIL)."""

    exit_code = 75


class StoreError(StacktrackError):
    """The database cannot be opened or is from a newer stacktrack."""

    exit_code = 2


class PluginError(Exception):
    """A source failed. ``message`` is one human sentence; it must never contain a secret."""

    kind = "plugin_error"

    def __init__(
        self, source: str, message: str, *, status_code: int | None = None, body: object = None
    ) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        self.status_code = status_code
        """The HTTP status that caused it, when there was one."""
        self.body = body
        """The parsed JSON error body, when there was one (plugins inspect vendor error codes)."""


class AuthenticationError(PluginError):
    """The vendor rejected the credentials (401, or a 403 that means the token lacks access)."""

    kind = "authentication"


class RateLimitExhausted(PluginError):
    """The vendor kept rate-limiting after the allowed retries and waiting time."""

    kind = "rate_limit"


class BadResponse(PluginError):
    """The vendor answered something we cannot parse: malformed JSON, unexpected shape, a loop."""

    kind = "bad_response"
