"""Intercom API payloads the ``intercom`` plugin reads (docs/plugins/intercom.md).

Parsed leniently (``extra="ignore"``), following Intercom's OpenAPI description (version 2.14):
``admin.list`` and ``activity_log.list``. The next-page pointer of the activity log is a URL in
older documentation and a ``starting_after`` cursor object in newer SDKs, so both are accepted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Admin(_Vendor):
    type: str = "admin"
    id: str = Field(min_length=1)
    name: str | None = None
    email: str | None = None
    has_inbox_seat: bool | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class AdminList(_Vendor):
    admins: list[dict[str, Any]]


class PerformedBy(_Vendor):
    id: str | None = None
    email: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ActivityLog(_Vendor):
    performed_by: PerformedBy | None = None
    created_at: dt.datetime
    activity_type: str
    activity_description: str | None = None

    @field_validator("created_at", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected Unix seconds")
        try:
            return parse_time(value)
        except (OverflowError, OSError) as exc:
            raise ValueError("timestamp out of range") from exc


class Pages(_Vendor):
    next: str | dict[str, Any] | None = None


class ActivityLogList(_Vendor):
    activity_logs: list[dict[str, Any]]
    pages: Pages | None = None
