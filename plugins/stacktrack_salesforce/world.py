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


EINSTEIN_BOUGHT, EINSTEIN_ACTIVE = 50, 6
"""The AI add-on bought for 50 seats; 6 of its holders use Salesforce in a month."""


def _add_feature_licences(data: SalesforceData, view: WorldView) -> None:
    """Add-on, feature and package licences: Sales Cloud Einstein bought for 50 and nearly all
    assigned, with 6 holders active; Marketing User and Knowledge feature licences; DocuSign's
    package. Counts of active holders come from the holders' own last logins where the world has
    them (so they move with time), capped at the add-on's story."""
    seats = [seat for seat in view.seats("salesforce") if not seat.suspended]
    if not seats:
        return
    seats.sort(key=lambda seat: (seat.employee.department != "Sales", seat.employee.key))
    month = view.instant - dt.timedelta(days=30)
    today = view.instant.date()
    days = (today.isoformat(), (today - dt.timedelta(days=1)).isoformat())

    def active(holders: list[Any]) -> int:
        return sum(1 for seat in holders if seat.last_active and seat.last_active >= month)

    einstein = seats[: min(len(seats), EINSTEIN_BOUGHT - 2)]
    psl_id = "0PLxx0000000001AAA"
    data.permission_set_licenses = [
        record(
            "PermissionSetLicense",
            psl_id,
            Id=psl_id,
            MasterLabel="Sales Cloud Einstein",
            DeveloperName="SalesCloudEinsteinPsl",
            Status="Active",
            TotalLicenses=EINSTEIN_BOUGHT,
            UsedLicenses=len(einstein),
        )
    ]
    data.permission_set_license_assigns = [
        record(
            "PermissionSetLicenseAssign",
            "0PAxx",
            AssigneeId=salesforce_id(seat.employee),
            PermissionSetLicenseId=psl_id,
        )
        for seat in einstein
    ]
    data.perm_set_license_metrics = [
        record(
            "ActivePermSetLicenseMetric",
            "0Mxx",
            PermissionSetLicenseId=psl_id,
            MasterLabel="Sales Cloud Einstein",
            DeveloperName="SalesCloudEinsteinPsl",
            MetricsDate=day,
            TotalLicenses=EINSTEIN_BOUGHT,
            AssignedUserCount=len(einstein),
            ActiveUserCount=min(EINSTEIN_ACTIVE, active(einstein)) + offset,
        )
        for offset, day in enumerate(days)  # the day before had one more
    ]
    marketing = [seat for seat in seats if seat.employee.department != "Sales"][:30]
    knowledge = [seat for seat in seats if seat.employee.department == "Customer Success"][:12]
    data.feature_license_metrics = [
        record(
            "ActiveFeatureLicenseMetric",
            "0Mfxx",
            FeatureType=kind,
            MetricsDate=days[0],
            TotalLicenseCount=total,
            AssignedUserCount=len(holders),
            ActiveUserCount=used,
        )
        for kind, total, holders, used in (
            ("MarketingUser", 40, marketing, active(marketing)),
            ("KnowledgeUser", 20, knowledge, min(1, active(knowledge))),
        )
    ]
    data.package_licenses = [
        record(
            "PackageLicense",
            "050xx0000000001AAA",
            Id="050xx0000000001AAA",
            NamespacePrefix="dsfs",
            Status="Active",
            AllowedLicenses=25,
            UsedLicenses=min(22, len(seats)),
        )
    ]
