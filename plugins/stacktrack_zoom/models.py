"""Zoom API payloads the ``zoom`` plugin reads (docs/plugins/zoom.md).

Parsed leniently (``extra="ignore"``). Plan objects are arrays in Zoom's older OpenAPI description
and objects in newer examples, so both are accepted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


class User(_Vendor):
    """One item of ``GET /users``. ``type``: 1 Basic, 2 Licensed; other values exist (uncertain)."""

    id: str = Field(min_length=1)
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    type: int | None = None
    status: str | None = None
    last_login_time: dt.datetime | None = None

    @field_validator("last_login_time", mode="before")
    @classmethod
    def _time(cls, value: Any) -> dt.datetime | None:
        if value is not None and not isinstance(value, str):
            raise ValueError("expected an ISO 8601 string")
        return parse_time(value)

    @property
    def display_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part).strip()
        return name or None


class UsersPage(_Vendor):
    users: list[dict[str, Any]]
    next_page_token: str | None = None


class ActiveHost(_Vendor):
    """One host of ``GET /report/users?type=active`` (someone who hosted in the range)."""

    id: str | None = None
    email: str | None = None
    meetings: int = Field(default=0, ge=0)


class ReportPage(_Vendor):
    users: list[dict[str, Any]]
    next_page_token: str | None = None


class Plan(_Vendor):
    type: str | None = None
    hosts: int | None = Field(default=None, ge=0)
    usage: int | None = Field(default=None, ge=0)


def _plans(value: Any) -> Any:
    if value is None:
        return []
    return [value] if isinstance(value, dict) else value


class PlanUsage(_Vendor):
    """``GET /accounts/me/plans/usage``: purchased (``hosts``) and used (``usage``) per plan."""

    plan_base: list[Plan] = Field(default_factory=list)
    plan_webinar: list[Plan] = Field(default_factory=list)

    @field_validator("plan_base", "plan_webinar", mode="before")
    @classmethod
    def _as_list(cls, value: Any) -> Any:
        return _plans(value)
