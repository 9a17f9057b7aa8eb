"""Salesforce REST payloads the plugin reads (docs/plugins/salesforce.md).

Parsed leniently (``extra="ignore"``): Salesforce adds fields with every release, and a query answer
carries only the fields the SOQL selected. ``plugin.py`` maps these to the core observation models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from stacktrack.plugin_api import parse_time


class _Vendor(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _time(value: Any) -> dt.datetime | None:
    # Salesforce writes "2024-04-29T14:03:11.000+0000"; parse_time knows the +0000 form.
    try:
        return parse_time(value)
    except (OverflowError, OSError):  # an epoch number out of range: a validation error
        raise ValueError("timestamp out of range") from None


class QueryPage(_Vendor):
    """One batch of a SOQL query: ``records`` plus ``done`` / ``nextRecordsUrl``."""

    total_size: int | None = Field(default=None, alias="totalSize")
    done: bool
    next_records_url: str | None = Field(default=None, alias="nextRecordsUrl")
    records: list[dict[str, Any]]


class UserLicense(_Vendor):
    id: str | None = Field(default=None, alias="Id")
    name: str = Field(alias="Name")
    master_label: str | None = Field(default=None, alias="MasterLabel")
    status: str | None = Field(default=None, alias="Status")
    total_licenses: int | None = Field(default=None, alias="TotalLicenses")
    used_licenses: int | None = Field(default=None, alias="UsedLicenses")


class _Named(_Vendor):
    name: str | None = Field(default=None, alias="Name")


class Profile(_Vendor):
    name: str | None = Field(default=None, alias="Name")
    user_license: _Named | None = Field(default=None, alias="UserLicense")


class User(_Vendor):
    id: str = Field(min_length=1, alias="Id")
    username: str | None = Field(default=None, alias="Username")
    email: str | None = Field(default=None, alias="Email")
    name: str | None = Field(default=None, alias="Name")
    is_active: bool = Field(alias="IsActive")
    user_type: str | None = Field(default=None, alias="UserType")
    last_login_date: dt.datetime | None = Field(default=None, alias="LastLoginDate")
    """``null`` = the user never logged in."""
    profile: Profile | None = Field(default=None, alias="Profile")

    @field_validator("last_login_date", mode="before")
    @classmethod
    def _parse_login(cls, value: Any) -> dt.datetime | None:
        return _time(value)

    @property
    def license_name(self) -> str | None:
        if self.profile is None or self.profile.user_license is None:
            return None
        return self.profile.user_license.name


class OauthToken(_Vendor):
    """A per-user OAuth grant to a connected app. ``Id`` is documented as reserved (null)."""

    app_name: str = Field(min_length=1, alias="AppName")
    user_id: str | None = Field(default=None, alias="UserId")
    created_date: dt.datetime | None = Field(default=None, alias="CreatedDate")
    last_used_date: dt.datetime | None = Field(default=None, alias="LastUsedDate")
    use_count: int | None = Field(default=None, alias="UseCount")

    @field_validator("created_date", "last_used_date", mode="before")
    @classmethod
    def _parse_times(cls, value: Any) -> dt.datetime | None:
        return _time(value)


def error_codes(body: Any) -> list[str]:
    """``errorCode`` values of a Salesforce error body (a JSON list of ``{message, errorCode}``)."""
    items = body if isinstance(body, list) else [body]
    return [
        str(item.get("errorCode"))
        for item in items
        if isinstance(item, dict) and item.get("errorCode")
    ]


def error_message(body: Any) -> str | None:
    items = body if isinstance(body, list) else [body]
    for item in items:
        message = item.get("message") if isinstance(item, dict) else None
        if isinstance(message, str):
            return message[:200]
    return None


# -- add-on and feature licences (feature usage) ---------------------------------------------------


class PermissionSetLicense(_Vendor):
    """An add-on licence that carries its own seats (Sales Cloud Einstein, CRM Analytics, ...)."""

    id: str = Field(min_length=1, alias="Id")
    master_label: str | None = Field(default=None, alias="MasterLabel")
    developer_name: str | None = Field(default=None, alias="DeveloperName")
    status: str | None = Field(default=None, alias="Status")
    total_licenses: int | None = Field(default=None, alias="TotalLicenses")
    used_licenses: int | None = Field(default=None, alias="UsedLicenses")


class PermissionSetLicenseAssign(_Vendor):
    """Who holds a permission-set licence (``IsRevoked`` exists from API 58.0)."""

    assignee_id: str | None = Field(default=None, alias="AssigneeId")
    license_id: str | None = Field(default=None, alias="PermissionSetLicenseId")


class ActivePermSetLicenseMetric(_Vendor):
    """A daily snapshot: holders of a permission-set licence, and those who logged in in 30 days."""

    license_id: str | None = Field(default=None, alias="PermissionSetLicenseId")
    master_label: str | None = Field(default=None, alias="MasterLabel")
    developer_name: str | None = Field(default=None, alias="DeveloperName")
    metrics_date: dt.date | None = Field(default=None, alias="MetricsDate")
    total_licenses: int | None = Field(default=None, alias="TotalLicenses")
    assigned: int | None = Field(default=None, alias="AssignedUserCount")
    active: int | None = Field(default=None, alias="ActiveUserCount")


class ActiveFeatureLicenseMetric(_Vendor):
    """A daily snapshot per feature licence (``FeatureType``: MarketingUser, KnowledgeUser, ...)."""

    feature_type: str = Field(min_length=1, alias="FeatureType")
    metrics_date: dt.date | None = Field(default=None, alias="MetricsDate")
    total_licenses: int | None = Field(default=None, alias="TotalLicenseCount")
    assigned: int | None = Field(default=None, alias="AssignedUserCount")
    active: int | None = Field(default=None, alias="ActiveUserCount")


class PackageLicense(_Vendor):
    """AppExchange managed-package seats; ``AllowedLicenses = -1`` means site-wide."""

    id: str = Field(min_length=1, alias="Id")
    namespace: str | None = Field(default=None, alias="NamespacePrefix")
    status: str | None = Field(default=None, alias="Status")
    allowed: int | None = Field(default=None, alias="AllowedLicenses")
    used: int | None = Field(default=None, alias="UsedLicenses")


class UserPackageLicense(_Vendor):
    license_id: str | None = Field(default=None, alias="PackageLicenseId")
    user_id: str | None = Field(default=None, alias="UserId")
