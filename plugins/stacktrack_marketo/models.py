"""Marketo payloads the ``marketo`` plugin reads (docs/plugins/marketo.md).

Parsed leniently (``extra="ignore"``). User Management responses have no ``success`` flag (the HTTP
status says it); the data APIs under ``/rest`` answer HTTP 200 with ``success`` and ``errors``,
whose ``code`` is a string. Dates look like ``2020-02-05T01:02:23.000t+0000``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})T")


def marketo_time(value: Any) -> dt.datetime | None:
    """Parse Marketo's ``yyyy-MM-dd'T'HH:mm:ss.SSS't'+hhmm`` (also without date dashes)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):  # already parsed (a listing row turned into a detail)
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date string")
    text = value.strip()
    text = _COMPACT.sub(r"\1-\2-\3T", text)
    text = re.sub(r"t([+-]\d{4})$", r"\1", text)
    return parse_time(text)


class UserRow(_Vendor):
    """One row of ``allusers.json`` (a bare JSON array)."""

    userid: str = Field(min_length=1)
    firstName: str | None = None
    lastName: str | None = None
    emailAddress: str | None = None
    id: int | str | None = None
    apiOnly: bool = False
    lastLoginAt: dt.datetime | None = None

    @field_validator("lastLoginAt", mode="before")
    @classmethod
    def _login(cls, value: Any) -> dt.datetime | None:
        return marketo_time(value)

    @property
    def display_name(self) -> str | None:
        name = " ".join(p for p in (self.firstName, self.lastName) if p).strip()
        return name or None


class UserDetail(UserRow):
    """``GET /userservice/management/v1/users/{userid}/user.json``."""

    isLocked: bool | None = None
    expiresAt: dt.datetime | None = None

    @field_validator("expiresAt", mode="before")
    @classmethod
    def _expires(cls, value: Any) -> dt.datetime | None:
        return marketo_time(value)


class UsageUser(_Vendor):
    userId: str
    count: int = Field(default=0, ge=0)


class UsageDay(_Vendor):
    date: dt.date
    total: int = Field(default=0, ge=0)
    users: list[UsageUser] = Field(default_factory=list)


class UsageResponse(_Vendor):
    success: bool = True
    result: list[UsageDay] = Field(default_factory=list)


def error_codes(body: Any) -> list[str]:
    """The ``errors[].code`` values of a Marketo body, as strings (``[]`` if none)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [str(e.get("code")) for e in body["errors"] if isinstance(e, dict)]
