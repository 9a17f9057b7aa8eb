"""Okta Management API payloads, as ``plugin.py`` reads them (docs/plugins/okta.md).

Only the fields the plugin uses are declared; everything else is ignored. Timestamps stay ``Any`` and
are parsed by the plugin, so a bad value becomes a typed ``BadResponse`` naming the field.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Licensing(_Payload):
    seatCount: int | None = None
    """Admin-entered "Number of licenses purchased"; optional, and only as true as the admin made it."""


class AppSettingsApp(_Payload):
    siteURL: str | None = None
    """Present for some app types (Okta's Workday example); absent for most."""


class AppSettings(_Payload):
    app: AppSettingsApp | None = None


class Application(_Payload):
    """One ``GET /api/v1/apps`` item: an app instance, usually an SSO-connected SaaS product."""

    id: str
    name: str | None = None
    """Okta's catalog key of the integration (``workday``, ``slack``, ``zoomus``, ...)."""
    label: str | None = None
    """The display name the admin gave the instance: what the core matches to tools."""
    status: str | None = None
    """``ACTIVE`` / ``INACTIVE`` (deleted apps are not listed)."""
    signOnMode: str | None = None
    licensing: Licensing | None = None
    settings: AppSettings | None = None


class UserProfile(_Payload):
    login: str | None = None
    email: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    displayName: str | None = None


class User(_Payload):
    """An Okta user, as embedded in an app assignment with ``expand=user``."""

    id: str | None = None
    status: str | None = None
    """``ACTIVE``, ``STAGED``, ``PROVISIONED``, ``RECOVERY``, ``LOCKED_OUT``, ``PASSWORD_EXPIRED``,
    ``SUSPENDED``, ``DEPROVISIONED``."""
    lastLogin: Any = None
    profile: UserProfile | None = None


class AppUserCredentials(_Payload):
    userName: str | None = None


class Embedded(_Payload):
    user: User | None = None


class AppUser(_Payload):
    """One ``GET /api/v1/apps/{id}/users`` item: a user's assignment to the app."""

    id: str
    """The Okta user id."""
    status: str | None = None
    scope: str | None = None
    """``USER`` (direct) or ``GROUP`` (through a group)."""
    credentials: AppUserCredentials | None = None
    profile: dict[str, Any] | None = None
    """App-specific profile; ``email`` and ``displayName`` appear in Okta's example payload."""
    embedded: Embedded | None = Field(default=None, alias="_embedded")


class LogActor(_Payload):
    id: str | None = None
    type: str | None = None
    alternateId: str | None = None
    """The login, usually the e-mail."""
    displayName: str | None = None


class LogTarget(_Payload):
    id: str | None = None
    type: str | None = None
    alternateId: str | None = None
    displayName: str | None = None


class LogOutcome(_Payload):
    result: str | None = None
    """``SUCCESS``, ``FAILURE``, ... only ``SUCCESS`` is a sign-in."""
    reason: str | None = None


class LogEvent(_Payload):
    """One System Log event."""

    uuid: str | None = None
    published: Any = None
    eventType: str | None = None
    actor: LogActor | None = None
    outcome: LogOutcome | None = None
    target: list[LogTarget] | None = None
