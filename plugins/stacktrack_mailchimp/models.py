"""Mailchimp Marketing API payloads the ``mailchimp`` plugin reads (docs/plugins/mailchimp.md).

Parsed leniently (``extra="ignore"``): ``GET /authorized-apps`` answers ``{apps, total_items}``
with each app's ``id``, ``name``, ``description`` and ``users`` (usernames that linked it).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AuthorizedApp(_Vendor):
    id: int | str
    name: str = Field(min_length=1)
    users: list[str] = Field(default_factory=list)


class AuthorizedApps(_Vendor):
    apps: list[dict[str, Any]]
    total_items: int = Field(ge=0)
