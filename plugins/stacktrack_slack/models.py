"""Slack Web API payloads, as ``plugin.py`` reads them (docs/plugins/slack.md).

Only the fields the plugin uses are declared; everything else is ignored. Types stay permissive
where Slack's examples show it is loose (``service_id`` is a number or a string, ``date`` an epoch
string).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Envelope(_Payload):
    """Every Slack answer: HTTP 200 with ``ok`` false and an ``error`` code for logical errors."""

    ok: bool
    error: str | None = None
    needed: str | None = None
    """``missing_scope`` answers name the scope that was needed."""


class ResponseMetadata(_Payload):
    next_cursor: str | None = None


class Profile(_Payload):
    email: str | None = None
    """Present only with the ``users:read.email`` scope."""
    real_name: str | None = None
    display_name: str | None = None


class Member(_Payload):
    id: str
    name: str | None = None
    real_name: str | None = None
    deleted: bool = False
    is_bot: bool = False
    is_app_user: bool = False
    is_restricted: bool = False
    """Multi-channel guest."""
    is_ultra_restricted: bool = False
    """Single-channel guest."""
    profile: Profile | None = None


class UsersListPage(_Payload):
    members: list[Member] = Field(default_factory=list)
    response_metadata: ResponseMetadata | None = None


class Billable(_Payload):
    billing_active: bool | None = None


class BillableInfoPage(_Payload):
    billable_info: dict[str, Billable] = Field(default_factory=dict)
    response_metadata: ResponseMetadata | None = None


class Paging(_Payload):
    """Page/count paging of the older methods (``team.accessLogs``, ``team.integrationLogs``)."""

    count: int | None = None
    total: int | None = None
    page: int | None = None
    pages: int | None = None


class PagedBody(_Payload):
    paging: Paging | None = None


class Login(_Payload):
    """One ``team.accessLogs`` row: one user from one IP and user agent, aggregated."""

    user_id: str
    date_first: Any = None
    date_last: Any = None
    """Epoch seconds; parsed by the plugin so a bad value becomes a typed error."""


class AccessLogsPage(_Payload):
    logins: list[Login] = Field(default_factory=list)
    paging: Paging | None = None


class IntegrationLog(_Payload):
    """One add/remove/enable/disable/update of an app (``app_*``) or a service (``service_*``)."""

    service_id: str | None = None
    service_type: str | None = None
    app_id: str | None = None
    app_type: str | None = None
    date: Any = None
    """Epoch seconds as a string in the docs' example."""
    change_type: str | None = None

    @field_validator("service_id", "app_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # The docs' own example gives service_id as a number in one row and a string in another.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value


class IntegrationLogsPage(_Payload):
    logs: list[IntegrationLog] = Field(default_factory=list)
    paging: Paging | None = None
