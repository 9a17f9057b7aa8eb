"""Test kit of the ``salesforce`` plugin for the shared conformance suite (docs/architecture.md).

The sample org, with ``NOW`` as the run clock and the default ``license_names = ["Salesforce"]``:

* licenses: Salesforce 10 purchased / 5 used, Salesforce Platform 5 / 1, Chatter Free 5000 / 2;
* users: five active Salesforce users (one never logged in, e-mail in mixed case for one), one
  deactivated Salesforce user, one active Platform user and one Chatter Free user (neither counts);
* OAuth grants: HubSpot (three tokens from two users, recent), Outreach (one token unused for 200
  days, a stale integration) and Data Loader (no recorded use: unknown last use).
* feature licences (``FEATURES``): Sales Cloud Einstein 50 bought / 48 assigned / 6 active on the
  latest metrics day (9 the day before); Salesforce CPQ 10 bought, ``UsedLicenses`` missing, held
  by two users (three assignment rows); CRM Analytics Plus disabled (left out); feature licences
  MarketingUser 10 / 4 / 1 and KnowledgeUser 5 / 0 / 0 on the latest day; packages ``dsfs`` 20 / 7,
  ``mkto_si`` site-wide (-1) held by two users, ``pi`` expired (left out).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_salesforce.emulator import SalesforceData, SalesforceEmulator
from stacktrack_salesforce.plugin import SalesforcePlugin

PLUGIN = SalesforcePlugin
EMULATOR = SalesforceEmulator
RATE_LIMIT_RETRYABLE = False  # 403 REQUEST_LIMIT_EXCEEDED is the rolling 24-hour allocation
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)

_BASE = "/services/data/v60.0/sobjects"


def sf_time(when: dt.datetime | None) -> str | None:
    """A datetime as Salesforce writes it: ``2024-04-29T14:03:11.000+0000``."""
    if when is None:
        return None
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def user_license(lid: str, name: str, total: int | None, used: int | None) -> dict[str, Any]:
    return {
        "attributes": {"type": "UserLicense", "url": f"{_BASE}/UserLicense/{lid}"},
        "Id": lid,
        "Name": name,
        "MasterLabel": name,
        "LicenseDefinitionKey": "SFDC" if name == "Salesforce" else "OTHER",
        "Status": "Active",
        "TotalLicenses": total,
        "UsedLicenses": used,
        "UsedLicensesLastUpdated": "2026-11-19T00:00:00.000+0000",
    }


def user(
    uid: str,
    email: str,
    name: str,
    *,
    license_name: str = "Salesforce",
    active: bool = True,
    last_login: dt.datetime | None = None,
) -> dict[str, Any]:
    return {
        "attributes": {"type": "User", "url": f"{_BASE}/User/{uid}"},
        "Id": uid,
        "Username": email.lower() + ".acme",
        "Email": email,
        "Name": name,
        "IsActive": active,
        "UserType": "Standard",
        "LastLoginDate": sf_time(last_login),
        "CreatedDate": "2024-01-10T09:00:00.000+0000",
        "Profile": {
            "attributes": {"type": "Profile", "url": f"{_BASE}/Profile/00exx000000abcdAAA"},
            "Name": "Marketing User",
            "UserLicense": {
                "attributes": {"type": "UserLicense", "url": f"{_BASE}/UserLicense/100xx"},
                "Name": license_name,
            },
        },
    }


def oauth_token(
    app: str, user_id: str, *, last_used: dt.datetime | None, use_count: int | None
) -> dict[str, Any]:
    return {
        "attributes": {"type": "OauthToken", "url": f"{_BASE}/OauthToken/null"},
        "AppName": app,
        "AppMenuItemId": None,
        "UserId": user_id,
        "CreatedDate": "2025-02-01T10:00:00.000+0000",
        "LastUsedDate": sf_time(last_used),
        "UseCount": use_count,
    }


def _days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def sample_data() -> SalesforceData:
    data = SalesforceData(
        user_licenses=[
            user_license("100xx0000000001AAA", "Salesforce", 10, 5),
            user_license("100xx0000000002AAA", "Salesforce Platform", 5, 1),
            user_license("100xx0000000003AAA", "Chatter Free", 5000, 2),
        ],
        users=[
            user("005xx0000000001AAA", "ana@acme.test", "Ana Ruiz", last_login=_days_ago(2)),
            user("005xx0000000002AAA", "bo@acme.test", "Bo Lee", last_login=_days_ago(45)),
            user("005xx0000000003AAA", "cy@acme.test", "Cy Never", last_login=None),
            user("005xx0000000004AAA", "dee@acme.test", "Dee Park", last_login=_days_ago(10)),
            user(
                "005xx0000000005AAA",
                "ed@acme.test",
                "Ed Gone",
                active=False,
                last_login=_days_ago(200),
            ),
            user(
                "005xx0000000006AAA",
                "fay@acme.test",
                "Fay Platform",
                license_name="Salesforce Platform",
                last_login=_days_ago(1),
            ),
            user(
                "005xx0000000007AAA",
                "gus@acme.test",
                "Gus Chatter",
                license_name="Chatter Free",
                last_login=_days_ago(3),
            ),
            user("005xx0000000008AAA", "Hal@Acme.TEST", "Hal Mixed", last_login=_days_ago(1)),
        ],
        oauth_tokens=[
            oauth_token("HubSpot", "005xx0000000001AAA", last_used=_days_ago(1), use_count=18234),
            oauth_token("HubSpot", "005xx0000000002AAA", last_used=_days_ago(3), use_count=100),
            oauth_token("HubSpot", "005xx0000000001AAA", last_used=_days_ago(20), use_count=6),
            oauth_token("Outreach", "005xx0000000004AAA", last_used=_days_ago(200), use_count=12),
            oauth_token("Data Loader", "005xx0000000008AAA", last_used=None, use_count=None),
        ],
    )
    add_feature_licences(data)
    return data


def _row(kind: str, **fields: Any) -> dict[str, Any]:
    return {"attributes": {"type": kind, "url": f"{_BASE}/{kind}/x"}, **fields}


def _psl(lid: str, label: str, status: str, total: int, used: int | None) -> dict[str, Any]:
    return _row(
        "PermissionSetLicense",
        Id=lid,
        MasterLabel=label,
        DeveloperName=label.replace(" ", ""),
        Status=status,
        TotalLicenses=total,
        UsedLicenses=used,
    )


def _psl_metric(lid: str, label: str, day: str, total: int, assigned: int, active: int) -> Any:
    return _row(
        "ActivePermSetLicenseMetric",
        PermissionSetLicenseId=lid,
        MasterLabel=label,
        DeveloperName=label.replace(" ", ""),
        MetricsDate=day,
        TotalLicenses=total,
        AssignedUserCount=assigned,
        ActiveUserCount=active,
    )


def _feature_metric(kind: str, day: str, total: int, assigned: int, active: int) -> Any:
    return _row(
        "ActiveFeatureLicenseMetric",
        FeatureType=kind,
        MetricsDate=day,
        TotalLicenseCount=total,
        AssignedUserCount=assigned,
        ActiveUserCount=active,
    )


EINSTEIN, CPQ, ANALYTICS = "0PLxx0000000001AAA", "0PLxx0000000002AAA", "0PLxx0000000003AAA"
DSFS, MKTO, PI = "050xx0000000001AAA", "050xx0000000002AAA", "050xx0000000003AAA"
FEATURES: dict[str, tuple[int | None, int | None, int | None, int | None]] = {
    # feature (vendor name): (seats purchased, seats assigned, active in 30 days, window days)
    "Sales Cloud Einstein": (50, 48, 6, 30),
    "Salesforce CPQ": (10, 2, None, None),
    "KnowledgeUser": (5, 0, 0, 30),
    "MarketingUser": (10, 4, 1, 30),
    "dsfs": (20, 7, None, None),
    "mkto_si": (None, 2, None, None),
}
"""What the plugin reports for ``sample_data()``'s licences, worked out by hand."""


def add_feature_licences(data: SalesforceData) -> None:
    latest, before = "2026-11-19", "2026-11-18"
    data.permission_set_licenses = [
        _psl(EINSTEIN, "Sales Cloud Einstein", "Active", 50, 48),
        _psl(CPQ, "Salesforce CPQ", "Active", 10, None),
        _psl(ANALYTICS, "CRM Analytics Plus", "Disabled", 5, 0),
    ]
    data.permission_set_license_assigns = [
        _row("PermissionSetLicenseAssign", AssigneeId=uid, PermissionSetLicenseId=CPQ)
        for uid in ("005xx0000000001AAA", "005xx0000000002AAA", "005xx0000000001AAA")
    ]
    data.perm_set_license_metrics = [
        _psl_metric(EINSTEIN, "Sales Cloud Einstein", before, 50, 48, 9),
        _psl_metric(EINSTEIN, "Sales Cloud Einstein", latest, 50, 48, 6),
    ]
    data.feature_license_metrics = [
        _feature_metric("MarketingUser", before, 10, 4, 3),
        _feature_metric("MarketingUser", latest, 10, 4, 1),
        _feature_metric("KnowledgeUser", latest, 5, 0, 0),
    ]
    data.package_licenses = [
        _row(
            "PackageLicense",
            Id=DSFS,
            NamespacePrefix="dsfs",
            Status="Active",
            AllowedLicenses=20,
            UsedLicenses=7,
        ),
        _row(
            "PackageLicense",
            Id=MKTO,
            NamespacePrefix="mkto_si",
            Status="Free",
            AllowedLicenses=-1,
            UsedLicenses=None,
        ),
        _row(
            "PackageLicense",
            Id=PI,
            NamespacePrefix="pi",
            Status="Expired",
            AllowedLicenses=5,
            UsedLicenses=5,
        ),
    ]
    data.user_package_licenses = [
        _row("UserPackageLicense", PackageLicenseId=MKTO, UserId=uid)
        for uid in ("005xx0000000001AAA", "005xx0000000004AAA")
    ]


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "salesforce", "token": token}


def expected_assigned(data: SalesforceData) -> dict[str | None, set[str]]:
    """Active users whose profile's license is one of the default license names."""
    return {
        None: {
            record["Id"]
            for record in data.users
            if record.get("IsActive") is True
            and ((record.get("Profile") or {}).get("UserLicense") or {}).get("Name") == "Salesforce"
        }
    }
