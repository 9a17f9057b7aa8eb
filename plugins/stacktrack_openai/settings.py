"""The ``[sources.<name>]`` settings of the OpenAI API platform plugin, apart from its HTTP code.

Registered under the entry-point group ``stacktrack.settings``: commands that only read the database
validate the config with this model and never import the plugin (start-up time, docs/benchmarks.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from stacktrack.plugin_api import PluginSettings, SecretStr

CAPABILITIES: dict[str, str] = {
    "completions": "Completions (chat, responses)",
    "embeddings": "Embeddings",
    "images": "Image generation",
    "audio_speeches": "Text to speech",
    "audio_transcriptions": "Transcription",
    "moderations": "Moderation",
    "file_search_calls": "File search",
    "web_search_calls": "Web search",
}
"""Usage endpoints that can group by ``user_id``, with display names. ``code_interpreter_sessions``
and ``vector_stores`` group by project only, so they cannot say who used them and are not read."""


class OpenAISettings(PluginSettings):
    """``[sources.<name>]`` for ``plugin = "openai"``."""

    token: SecretStr
    """An OpenAI **Admin API key** (``sk-admin-...``; project keys cannot call the Admin API),
    given as ``{ env = "NAME" }``."""
    capabilities: list[str] = Field(default_factory=lambda: list(CAPABILITIES))
    """Usage endpoints to read, each one a feature: any of ``completions``, ``embeddings``,
    ``images``, ``audio_speeches``, ``audio_transcriptions``, ``moderations``,
    ``file_search_calls``, ``web_search_calls``."""
    costs: bool = True
    """Read ``/organization/costs`` and report the spend in the window as a note."""
    integrations: bool = True
    """List projects, their service accounts and API keys as integrations."""
    user_keys_as_integrations: bool = False
    """Also report API keys owned by people (not only service accounts) as integrations."""
    array_style: Literal["repeat", "brackets"] = "repeat"
    """How list query parameters are sent: ``group_by=user_id`` (repeat) or ``group_by[]=user_id``
    (brackets). OpenAI's examples use the first; some SDKs the second."""

    @field_validator("capabilities")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(CAPABILITIES))
        if unknown:
            raise ValueError(
                f"unknown usage capabilities {unknown}; known: {', '.join(CAPABILITIES)}"
            )
        return list(dict.fromkeys(value))
