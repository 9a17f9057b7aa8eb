"""The sandbox world in Salesforce's shapes (``SalesforceEmulator.world_data``) and its tool.

Every seat of the ``salesforce`` tool is a ``User`` (leavers inactive) with the "Salesforce" user
licence; the licence counts purchased and used seats; the tool's integrations are connected apps
holding OAuth tokens, granted by RevOps people (Drift's token is the stale one).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from stacktrack.testing.world import (
    CORE,
    AddonSpec,
    ContractSpec,
    Employee,
    FeatureSpec,
    LinkSpec,
    ToolSpec,
    WorldView,
    stable_id,
)

from .emulator import SalesforceData

TOOL = ToolSpec(
    "salesforce",
    "Salesforce Sales Cloud Enterprise",
    "salesforce",
    "RevOps",
    ContractSpec(
        356_400,
        start=820,
        renewal=130,
        notice_days=60,
        seats=190,
        tier="enterprise",
        features=(
            "campaigns",
            "workflows",
            "mobile-access",
            "knowledge",
            "content-library",
            "service-console",
            "offline-access",
        ),
        # The AI add-on bought for 50 and used by 6; the analytics add-on nobody opens.
        addons=(
            AddonSpec("ai-assistant", 30_000, seats=50),
            AddonSpec("bi-analytics", 36_000, seats=20),
        ),
    ),
    {"Sales": 1.0, "Customer Success": 0.9, "RevOps": 1.0, "Leadership": 0.6},
    mix=CORE,
    sso_label="Salesforce",
    cleanup=56,
    pattern="core",
    features=(
        FeatureSpec("campaigns", share=0.25, frequency=0.3, name="MarketingUser"),
        FeatureSpec("workflows", share=0.1, frequency=0.2, name="InteractionUser"),
        FeatureSpec("mobile-access", share=0.5, frequency=0.3, name="MobileUser"),
        FeatureSpec("knowledge", share=0.0, name="KnowledgeUser"),
        FeatureSpec("content-library", share=0.0, name="SFContentUser"),
        FeatureSpec("service-console", share=0.2, frequency=0.2, stops=200, name="SupportUser"),
        FeatureSpec("offline-access", share=0.0, name="OfflineUser"),
        FeatureSpec("ai-assistant", count=6, seats=50, assigned=48, name="Sales Cloud Einstein"),
        FeatureSpec("bi-analytics", count=0, seats=20, assigned=15, name="CRM Analytics Plus"),
    ),
    links=tuple(
        # Connected apps holding OAuth tokens: (app name, days since last use at the end date;
        # ``None`` = used every day). Drift's token is the stale integration.
        LinkSpec(app, 700 - 60 * index, kind="oauth_token", tracks_use=True, stale_days=stale)
        for index, (app, stale) in enumerate(
            (
                ("HubSpot", None),
                ("Segment", None),
                ("Gong", None),
                ("ZoomInfo", None),
                ("Hootsuite", None),
                ("Calendly", None),
                ("Loom", None),
                ("Typeform", None),
                ("Drift", 150),
            )
        )
    ),
)

_OBJECTS = "/services/data/v60.0/sobjects"


@functools.lru_cache(maxsize=65536)
def sf_time(when: dt.datetime | None) -> str | None:
    """Salesforce's ``2024-04-29T14:03:11.000+0000``."""
    if when is None:
        return None
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def salesforce_id(employee: Employee) -> str:
    return "005" + stable_id("", employee.key, 12) + "AAA"


def record(kind: str, rid: str, **fields: Any) -> dict[str, Any]:
    """A SOQL result record with its ``attributes``."""
    return {"attributes": {"type": kind, "url": f"{_OBJECTS}/{kind}/{rid}"}, **fields}


def world_data(view: WorldView) -> SalesforceData:
    seats = view.seats("salesforce")
    app = view.apps.get("salesforce")
    purchased = app.spec.contract.seats if app and app.spec else None
    licence = record("UserLicense", "100xx0000000001AAA", Name="Salesforce")
    users = []
    for seat in seats:
        person = seat.employee
        uid = salesforce_id(person)
        profile = "Sales User" if person.department == "Sales" else f"{person.department} User"
        users.append(
            record(
                "User",
                uid,
                Id=uid,
                Username=f"{person.email}.brightlane",
                Email=person.email,
                Name=person.name,
                IsActive=not seat.suspended,
                UserType="Standard",
                LastLoginDate=sf_time(seat.last_active),
                CreatedDate=sf_time(seat.assigned_at),
                Profile={
                    **record("Profile", "00exx000000abcdAAA", Name=profile),
                    "UserLicense": licence,
                },
            )
        )
    active_count = sum(1 for seat in seats if not seat.suspended)
    licenses = [
        record(
            "UserLicense",
            "100xx0000000001AAA",
            Id="100xx0000000001AAA",
            Name="Salesforce",
            MasterLabel="Salesforce",
            LicenseDefinitionKey="SFDC",
            Status="Active",
            TotalLicenses=purchased,
            UsedLicenses=active_count,
            UsedLicensesLastUpdated=sf_time(
                view.instant.replace(hour=0, minute=0, second=0, microsecond=0)
            ),
        ),
        record(
            "UserLicense",
            "100xx0000000002AAA",
            Id="100xx0000000002AAA",
            Name="Chatter Free",
            MasterLabel="Chatter Free",
            LicenseDefinitionKey="PID_Chatter",
            Status="Active",
            TotalLicenses=5000,
            UsedLicenses=0,
            UsedLicensesLastUpdated=None,
        ),
    ]
    # OAuth grants belong to integration users: the RevOps people who connected each app.
    owners = [seat.employee for seat in seats if seat.employee.department == "RevOps"] or [
        seat.employee for seat in seats
    ]
    tokens = []
    for index, link in enumerate(view.links("salesforce", "oauth_token")):
        owner = owners[index % len(owners)] if owners else None
        tokens.append(
            record(
                "OauthToken",
                "null",
                AppName=link.app,
                AppMenuItemId=None,
                UserId=salesforce_id(owner) if owner else None,
                CreatedDate=sf_time(link.created),
                LastUsedDate=sf_time(link.last_used),
                UseCount=link.use_count,
            )
        )
    data = SalesforceData(user_licenses=licenses, users=users, oauth_tokens=tokens)
    _add_feature_licences(data, view)
    return data


METRIC_DAYS = 30
"""``ActiveUserCount``: holders active within the last 30 days."""


def _add_feature_licences(data: SalesforceData, view: WorldView) -> None:
    """The tool's feature model (``TOOL.features``) in Salesforce's shapes: an add-on with its own
    seats is a ``PermissionSetLicense`` (+ one ``PermissionSetLicenseAssign`` per holder and a
    daily ``ActivePermSetLicenseMetric``); a feature every seat can carry is an
    ``ActiveFeatureLicenseMetric`` row under its ``FeatureType`` (its vendor name)."""
    features = view.features("salesforce")
    if not features:
        return
    seats = [seat for seat in view.seats("salesforce") if not seat.suspended]
    end = view.instant
    start = end - dt.timedelta(days=METRIC_DAYS)
    days = [(end - dt.timedelta(days=back)).date().isoformat() for back in (0, 1)]
    for index, feature in enumerate(sorted(features.values(), key=lambda f: f.key)):
        label = feature.name or feature.key
        active = feature.active_users(start, end)
        if feature.seats is not None:
            lid = f"0PLxx{index:010d}AAA"
            data.permission_set_licenses.append(
                record(
                    "PermissionSetLicense",
                    lid,
                    Id=lid,
                    MasterLabel=label,
                    DeveloperName=label.replace(" ", ""),
                    Status="Active",
                    TotalLicenses=feature.seats,
                    UsedLicenses=len(feature.holders),
                )
            )
            data.permission_set_license_assigns.extend(
                record(
                    "PermissionSetLicenseAssign",
                    "0PAxx",
                    AssigneeId=salesforce_id(holder),
                    PermissionSetLicenseId=lid,
                )
                for holder in feature.holders
            )
            data.perm_set_license_metrics.extend(
                record(
                    "ActivePermSetLicenseMetric",
                    "0Mxx",
                    PermissionSetLicenseId=lid,
                    MasterLabel=label,
                    DeveloperName=label.replace(" ", ""),
                    MetricsDate=day,
                    TotalLicenses=feature.seats,
                    AssignedUserCount=len(feature.holders),
                    ActiveUserCount=active,
                )
                for day in days
            )
        else:
            # Every seat may hold a feature licence; its holders are the ones who ever used it.
            data.feature_license_metrics.append(
                record(
                    "ActiveFeatureLicenseMetric",
                    "0Mfxx",
                    FeatureType=label,
                    MetricsDate=days[0],
                    TotalLicenseCount=len(seats),
                    AssignedUserCount=len(feature.users),
                    ActiveUserCount=active,
                )
            )
