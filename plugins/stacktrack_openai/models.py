"""OpenAI Admin API payloads the ``openai`` plugin reads (docs/plugins/openai.md).

Parsed leniently (``extra="ignore"``): the Admin API adds fields often. Field names follow OpenAI's
published OpenAPI description (``User``, ``Project``, ``ProjectApiKey``, ``ProjectServiceAccount``,
``UsageResponse``, ``CostsResult``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _unix(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("expected Unix seconds")
    try:
        return parse_time(value)
    except (OverflowError, OSError, ValueError):
        raise ValueError("timestamp out of range") from None


class NestedUser(_Vendor):
    enabled: bool | None = None
    banned: bool | None = None


class OrgUser(_Vendor):
    """One item of ``GET /organization/users``."""

    id: str = Field(min_length=1)
    name: str | None = None
    email: str | None = None
    role: str | None = None
    added_at: dt.datetime | None = None
    is_service_account: bool = False
    api_key_last_used_at: dt.datetime | None = None
    user: NestedUser | None = None

    @field_validator("added_at", "api_key_last_used_at", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        return _unix(value)

    @property
    def disabled(self) -> bool:
        nested = self.user
        return nested is not None and (nested.banned is True or nested.enabled is False)


class ListPage(_Vendor):
    """The list envelope of users, projects, API keys and service accounts."""

    data: list[dict[str, Any]]
    has_more: bool = False
    last_id: str | None = None


class Project(_Vendor):
    id: str = Field(min_length=1)
    name: str | None = None
    status: str | None = None


class KeyOwner(_Vendor):
    type: str | None = None
    user: dict[str, Any] | None = None
    service_account: dict[str, Any] | None = None


class ApiKey(_Vendor):
    """One item of ``GET /organization/projects/{id}/api_keys``."""

    id: str = Field(min_length=1)
    name: str | None = None
    created_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    owner: KeyOwner | None = None

    @field_validator("created_at", "last_used_at", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        return _unix(value)

    @property
    def service_account_id(self) -> str | None:
        owner = self.owner
        if owner is None or owner.type != "service_account" or not owner.service_account:
            return None
        value = owner.service_account.get("id")
        return value if isinstance(value, str) else None


class ServiceAccount(_Vendor):
    id: str = Field(min_length=1)
    name: str | None = None
    created_at: dt.datetime | None = None

    @field_validator("created_at", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        return _unix(value)


class UsageResult(_Vendor):
    """One result of a usage bucket; the count field differs by capability."""

    user_id: str | None = None
    num_model_requests: int | None = None
    num_requests: int | None = None

    @property
    def events(self) -> int:
        # Most capabilities count model requests; file and web search count tool calls.
        value = (
            self.num_model_requests if self.num_model_requests is not None else self.num_requests
        )
        return max(0, value or 0)


class Amount(_Vendor):
    value: float
    currency: str = "usd"


class CostResult(_Vendor):
    amount: Amount | None = None


class Bucket(_Vendor):
    start_time: dt.datetime
    end_time: dt.datetime
    results: list[dict[str, Any]]

    @field_validator("start_time", "end_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        return _unix(value)


class BucketPage(_Vendor):
    """``GET /organization/usage/*`` and ``/organization/costs``: ``{data: [bucket], has_more, next_page}``."""

    data: list[Bucket]
    has_more: bool = False
    next_page: str | None = None
