"""Google Admin SDK payloads, as ``plugin.py`` reads them (docs/plugins/google_workspace.md).

Directory ``users.list``, Reports ``activities.list`` and License Manager ``licenseAssignments``.
Only the fields the plugin uses are declared; everything else is ignored. ``kind`` is never read (the
notes: its documented values disagree). Timestamps stay ``Any`` and are parsed by the plugin.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore")


class UserName(_Payload):
    fullName: str | None = None


class DirectoryUser(_Payload):
    id: str
    primaryEmail: str | None = None
    name: UserName | None = None
    isAdmin: bool | None = None
    suspended: bool | None = None
    archived: bool | None = None
    customerId: str | None = None
    creationTime: Any = None
    lastLoginTime: Any = None


class UsersPage(_Payload):
    users: list[DirectoryUser] = Field(default_factory=list)
    nextPageToken: str | None = None


class Parameter(_Payload):
    name: str | None = None
    value: str | None = None
    intValue: str | None = None
    boolValue: bool | None = None
    multiValue: list[str] | None = None


class Event(_Payload):
    type: str | None = None
    name: str | None = None
    parameters: list[Parameter] = Field(default_factory=list)

    def param(self, name: str) -> str | None:
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter.value
        return None


class ActivityId(_Payload):
    time: Any = None
    uniqueQualifier: str | None = None
    applicationName: str | None = None
    customerId: str | None = None


class Actor(_Payload):
    email: str | None = None
    profileId: str | None = None
    callerType: str | None = None


class Activity(_Payload):
    id: ActivityId | None = None
    actor: Actor | None = None
    events: list[Event] = Field(default_factory=list)


class ActivitiesPage(_Payload):
    items: list[Activity] = Field(default_factory=list)
    nextPageToken: str | None = None


class LicenseAssignment(_Payload):
    userId: str | None = None
    """The user's e-mail."""
    productId: str | None = None
    skuId: str | None = None
    skuName: str | None = None


class LicensesPage(_Payload):
    items: list[LicenseAssignment] = Field(default_factory=list)
    nextPageToken: str | None = None


class ErrorReason(_Payload):
    reason: str | None = None


class ErrorDetail(_Payload):
    code: int | None = None
    message: str | None = None
    errors: list[ErrorReason] = Field(default_factory=list)
    status: str | None = None


class ErrorBody(_Payload):
    """Google's standard error envelope ``{"error": {"code", "message", "errors": [{"reason"}]}}``."""

    error: ErrorDetail


class UsageParameter(_Payload):
    """One ``app:name`` value of a usage report; ``intValue`` is an int64 sent as a string."""

    name: str | None = None
    intValue: str | int | None = None
    stringValue: str | None = None
    datetimeValue: Any = None
    boolValue: bool | None = None


class UsageEntity(_Payload):
    userEmail: str | None = None
    profileId: str | None = None


class UsageReport(_Payload):
    date: str | None = None
    entity: UsageEntity | None = None
    parameters: list[UsageParameter] = Field(default_factory=list)


class UsageWarning(_Payload):
    code: str | None = None
    message: str | None = None


class UsageReportsPage(_Payload):
    usageReports: list[UsageReport] = Field(default_factory=list)
    warnings: list[UsageWarning] = Field(default_factory=list)
    nextPageToken: str | None = None
