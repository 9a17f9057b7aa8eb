"""HubSpot API payloads the ``hubspot`` plugin reads (docs/plugins/hubspot.md).

Parsed leniently (``extra="ignore"``). Type quirk (plugin page): a user's ``id`` is a string while
the login history's ``userId`` is an integer, so both are normalised to strings here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _id(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # let validation reject it
    if isinstance(value, int):
        return str(value)
    return value


class PublicUser(_Vendor):
    """One item of ``GET /settings/v3/users/`` (SDK model ``PublicUser``)."""

    id: str = Field(min_length=1)
    email: str | None = None
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    super_admin: bool | None = Field(default=None, alias="superAdmin")
    seat_names: list[str] | None = Field(default=None, alias="seatNames")
    """The paid seats the user holds (``PublicUser.seatNames``); ``None`` when not sent."""

    @field_validator("id", mode="before")
    @classmethod
    def _norm_id(cls, value: Any) -> Any:
        return _id(value)

    @field_validator("seat_names", mode="before")
    @classmethod
    def _seats(cls, value: Any) -> list[str] | None:
        # In HubSpot's published spec, but no example payload was read: anything but a list of
        # names is "not said" rather than a reason to fail the user list.
        if not isinstance(value, list):
            return None
        return [name.strip() for name in value if isinstance(name, str) and name.strip()]

    @property
    def display_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part).strip()
        return name or None


class Login(_Vendor):
    """One item of ``GET /account-info/v3/activity/login``: successful and failed logins alike."""

    id: str | None = None
    user_id: str | None = Field(default=None, alias="userId")
    email: str | None = None
    login_at: dt.datetime = Field(alias="loginAt")
    login_succeeded: bool | None = Field(default=None, alias="loginSucceeded")

    @field_validator("id", "user_id", mode="before")
    @classmethod
    def _norm_ids(cls, value: Any) -> Any:
        return _id(value)

    @field_validator("login_at", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        try:
            return parse_time(value)
        except (OverflowError, OSError):  # an epoch number out of range: a validation error
            raise ValueError("timestamp out of range") from None


def _when(value: Any) -> dt.datetime | None:
    try:
        return parse_time(value)
    except (OverflowError, OSError, ValueError):
        return None  # an unreadable asset date: that asset is not evidence of use


class EmailCounters(_Vendor):
    sent: int | None = None


class EmailStats(_Vendor):
    counters: EmailCounters | None = None


class Asset(_Vendor):
    """A marketing email, workflow, form, landing page or sequence: only the fields that show use.

    Every field is optional: the five listings share none but ``id``, and the parsing must not
    fail a source over a field HubSpot renames (dates that do not parse are treated as absent)."""

    id: str | None = None
    name: str | None = None
    state: str | None = None
    is_published: bool | None = Field(default=None, alias="isPublished")
    is_enabled: bool | None = Field(default=None, alias="isEnabled")
    archived: bool | None = None
    published_at: dt.datetime | None = Field(default=None, alias="publishedAt")
    publish_date: dt.datetime | None = Field(default=None, alias="publishDate")
    created_at: dt.datetime | None = Field(default=None, alias="createdAt")
    updated_at: dt.datetime | None = Field(default=None, alias="updatedAt")
    created_by: str | None = Field(default=None, alias="createdById")
    updated_by: str | None = Field(default=None, alias="updatedById")
    stats: EmailStats | None = None

    @field_validator("id", "created_by", "updated_by", mode="before")
    @classmethod
    def _norm_ids(cls, value: Any) -> Any:
        return _id(value)

    @field_validator("published_at", "publish_date", "created_at", "updated_at", mode="before")
    @classmethod
    def _times(cls, value: Any) -> dt.datetime | None:
        return _when(value)


class Page(_Vendor):
    """The common envelope: ``results`` plus optional ``paging.next.after``."""

    results: list[dict[str, Any]]


def rate_limit_policy(body: Any) -> str | None:
    """``policyName`` of a 429 body (``SECONDLY``, ``DAILY``, ...) upper-cased, else ``None``."""
    policy = body.get("policyName") if isinstance(body, dict) else None
    return policy.upper() if isinstance(policy, str) else None
