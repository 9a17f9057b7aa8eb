"""Anthropic Admin API payloads the ``anthropic`` plugin reads (docs/plugins/anthropic.md).

Parsed leniently (``extra="ignore"``). The user list and the Claude Code report follow Anthropic's
API reference; the messages usage report's result fields are less certain, so every count on it
is optional and unknown counts never turn into zeros.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _time(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("expected an RFC 3339 string")
    return parse_time(value)


class ListPage(_Vendor):
    """Users and workspace members: ``{data, first_id, last_id, has_more}``."""

    data: list[dict[str, Any]]
    has_more: bool = False
    last_id: str | None = None


class OrgUser(_Vendor):
    id: str = Field(min_length=1)
    email: str | None = None
    name: str | None = None
    role: str | None = None
    added_at: dt.datetime | None = None

    @field_validator("added_at", mode="before")
    @classmethod
    def _added(cls, value: Any) -> dt.datetime | None:
        return _time(value)


class WorkspaceMember(_Vendor):
    user_id: str = Field(min_length=1)
    workspace_role: str | None = None


class UsageResult(_Vendor):
    """One result of a messages usage bucket grouped by ``account_id`` (field names uncertain)."""

    account_id: str | None = None
    uncached_input_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    output_tokens: int | None = None

    @property
    def used(self) -> bool:
        counts = [self.uncached_input_tokens, self.cache_read_input_tokens, self.output_tokens]
        known = [count for count in counts if count is not None]
        # A row is only there because something was used; unless every count we recognise says
        # zero, it is use.
        return not known or any(count > 0 for count in known)


class Bucket(_Vendor):
    starting_at: dt.datetime
    ending_at: dt.datetime | None = None
    results: list[dict[str, Any]]

    @field_validator("starting_at", "ending_at", mode="before")
    @classmethod
    def _bounds(cls, value: Any) -> dt.datetime | None:
        return _time(value)


class BucketPage(_Vendor):
    data: list[Bucket]
    has_more: bool = False
    next_page: str | None = None


class Actor(_Vendor):
    type: str
    email_address: str | None = None
    api_key_name: str | None = None


class Decisions(_Vendor):
    accepted: int = Field(default=0, ge=0)
    rejected: int = Field(default=0, ge=0)


class CoreMetrics(_Vendor):
    num_sessions: int = Field(default=0, ge=0)


class ClaudeCodeRecord(_Vendor):
    """One actor's Claude Code day."""

    date: str | None = None
    actor: Actor
    customer_type: str | None = None
    core_metrics: CoreMetrics = Field(default_factory=CoreMetrics)
    tool_actions: dict[str, Decisions] = Field(default_factory=dict)


class ClaudeCodePage(_Vendor):
    data: list[dict[str, Any]]
    has_more: bool = False
    next_page: str | None = None
