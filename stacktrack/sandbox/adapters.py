"""World -> vendor data: each first-party emulator's view of the one sandbox world (SPEC §10).

One function per vendor turns a ``world.View`` (the world as of an instant) into that emulator's data
class of vendor-shaped JSON dicts, so Okta, Google Workspace, Salesforce, HubSpot, Slack and Segment
all show the same employees, dates and integrations (a Segment destination "HubSpot" and the HubSpot
tool; a Salesforce OAuth token "HubSpot" and the HubSpot tool). ``build_emulators`` wires them up.

The emulator packages are imported lazily: a missing or broken plugin only affects its own source.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from typing import Any

from stacktrack.sandbox.stack import DEPARTMENTS
from stacktrack.sandbox.world import COMPANY, DOMAIN, AppView, Employee, Seat, View

IDPS = ("okta", "google_workspace")
VENDORS = ("salesforce", "hubspot", "slack", "segment")
ALL_SOURCES = [*IDPS, *VENDORS]
"""Every source name a sandbox may serve (fault specs may name any; unserved ones are ignored)."""


def sources_for(idp: str) -> list[str]:
    """Source (and plugin) names of a sandbox config: the identity provider, then the vendors."""
    if idp not in IDPS:
        raise ValueError(f"idp must be one of {', '.join(IDPS)}")
    return [idp, *VENDORS]


def served_sources(idp: str = "okta") -> list[str]:
    """``sources_for(idp)`` minus any whose plugin or emulator cannot be loaded (a broken install)."""
    served = []
    for source in sources_for(idp):
        try:
            emulator_class(source)
        except LookupError:
            continue
        if source in ADAPTERS:
            served.append(source)
    return served


def token_for(seed: int, source: str) -> str:
    """The sandbox token of a source: derived from the seed, never a real credential."""
    digest = hashlib.sha256(f"stacktrack-sandbox:{seed}:{source}".encode()).hexdigest()[:24]
    return f"sandbox-{source.replace('_', '-')}-{digest}"


def env_name(source: str) -> str:
    return f"STACKTRACK_SANDBOX_{source.upper()}_TOKEN"


# -- shared helpers -------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)  # the same instants recur week after week
def _iso(when: dt.datetime | None) -> str | None:
    """ISO 8601 with milliseconds and ``Z``, as Okta and Google write it."""
    if when is None:
        return None
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


@functools.lru_cache(maxsize=65536)
def _sf_time(when: dt.datetime | None) -> str | None:
    """Salesforce's ``2024-04-29T14:03:11.000+0000``."""
    if when is None:
        return None
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _epoch(when: dt.datetime) -> int:
    return int(when.timestamp())


def _app(view: View, key: str) -> AppView | None:
    return view.apps.get(key)


def _seats(view: View, key: str) -> list[Seat]:
    app = _app(view, key)
    return app.seats if app else []


@functools.lru_cache(maxsize=8192)
def _ident(prefix: str, number: int, width: int = 12) -> str:
    """A vendor-looking id that is stable for one employee or object."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    digits = []
    value = number * 7_919 + 1_000_003
    for _ in range(width):
        value, rest = divmod(value, len(alphabet))
        digits.append(alphabet[rest])
    return prefix + "".join(reversed(digits))


# -- Slack ------------------------------------------------------------------------------------


def slack_id(employee: Employee) -> str:
    return _ident("U", employee.key, 10)


def slack_data(view: View) -> Any:
    from stacktrack_slack.emulator import SlackData

    seats = _seats(view, "slack")
    updated = _epoch(view.instant - dt.timedelta(days=30))
    members: list[dict[str, Any]] = []
    billable: dict[str, dict[str, Any]] = {}
    logins: list[dict[str, Any]] = []
    fortnight = view.instant - dt.timedelta(days=14)
    for seat in seats:
        person = seat.employee
        uid = slack_id(person)
        handle = person.email.split("@", 1)[0]
        members.append(
            {
                "id": uid,
                "team_id": "T0BRIGHTLN",
                "name": handle,
                "real_name": person.name,
                "deleted": seat.suspended,
                "is_admin": person.department == "Leadership",
                "is_owner": person.key == 0,
                "is_primary_owner": person.key == 0,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": False,
                "is_app_user": False,
                "updated": updated,
                "tz": "America/New_York",
                "profile": {
                    "email": person.email,
                    "real_name": person.name,
                    "display_name": handle,
                    "title": person.title,
                },
            }
        )
        active = seat.last_active
        billable[uid] = {
            "billing_active": not seat.suspended and active is not None and active >= fortnight
        }
        if active is not None:
            logins.append(
                {
                    "user_id": uid,
                    "username": handle,
                    "date_first": _epoch(min(seat.assigned_at, active)),
                    "date_last": _epoch(active),
                    "count": 1 + (active - seat.assigned_at).days // 2,
                    "ip": f"198.51.100.{person.key % 250 + 1}",
                    "user_agent": "SlackWeb Mozilla/5.0",
                    "isp": "Example ISP",
                    "country": "US",
                    "region": "NY",
                }
            )
    for index, bot in enumerate(view.bots):
        members.append(
            {
                "id": _ident("B", 900 + index, 10),
                "team_id": "T0BRIGHTLN",
                "name": bot.lower().replace(" ", "_"),
                "real_name": bot,
                "deleted": False,
                "is_admin": False,
                "is_owner": False,
                "is_primary_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": True,
                "is_app_user": False,
                "updated": updated,
                "profile": {"real_name": bot, "display_name": bot},
            }
        )
    admin = next((s.employee for s in seats if s.employee.department == "Leadership"), None)
    logs: list[dict[str, Any]] = []
    for index, link in enumerate(view.slack_apps):
        row: dict[str, Any] = {
            "user_id": slack_id(admin) if admin else "USLACKBOT",
            "user_name": admin.email.split("@", 1)[0] if admin else "slackbot",
            "date": str(_epoch(link.created)),
            "change_type": "added",
            "scope": "chat:write,channels:read",
        }
        if link.app == "Google Drive":  # a legacy service rather than an app
            row.update(
                service_id=str(5_000_000_000 + index), service_type=link.app, channel="C0GENERAL"
            )
        else:
            row.update(app_id=_ident("A", index, 10), app_type=link.app)
        logs.append(row)
    logs.reverse()  # newest first, as the API lists them
    return SlackData(members=members, billable_info=billable, logins=logins, integration_logs=logs)


# -- Salesforce ---------------------------------------------------------------------------------

_SF_OBJECTS = "/services/data/v60.0/sobjects"


def salesforce_id(employee: Employee) -> str:
    return "005" + _ident("", employee.key, 12) + "AAA"


def salesforce_data(view: View) -> Any:
    from stacktrack_salesforce.emulator import SalesforceData

    seats = _seats(view, "salesforce")
    spec = _app(view, "salesforce")
    purchased = spec.spec.contract.seats if spec and spec.spec else None

    def record(kind: str, rid: str, **fields: Any) -> dict[str, Any]:
        return {"attributes": {"type": kind, "url": f"{_SF_OBJECTS}/{kind}/{rid}"}, **fields}

    def license_ref(name: str) -> dict[str, Any]:
        return record("UserLicense", "100xx0000000001AAA", Name=name)

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
                LastLoginDate=_sf_time(seat.last_active),
                CreatedDate=_sf_time(seat.assigned_at),
                Profile={
                    **record("Profile", "00exx000000abcdAAA", Name=profile),
                    "UserLicense": license_ref("Salesforce"),
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
            UsedLicensesLastUpdated=_sf_time(
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
    for index, link in enumerate(view.salesforce_oauth):
        owner = owners[index % len(owners)] if owners else None
        tokens.append(
            record(
                "OauthToken",
                "null",
                AppName=link.app,
                AppMenuItemId=None,
                UserId=salesforce_id(owner) if owner else None,
                CreatedDate=_sf_time(link.created),
                LastUsedDate=_sf_time(link.last_used),
                UseCount=link.use_count,
            )
        )
    return SalesforceData(user_licenses=licenses, users=users, oauth_tokens=tokens)


# -- HubSpot --------------------------------------------------------------------------------------


_TEAMS = [name for name, _ in DEPARTMENTS]


def hubspot_data(view: View) -> Any:
    from stacktrack_hubspot.emulator import HubSpotData

    users: list[dict[str, Any]] = []
    logins: list[tuple[dt.datetime, dict[str, Any]]] = []
    horizon = view.instant - dt.timedelta(days=90)
    # Leavers keep their HubSpot seat: nobody removes users from a tool outside SSO provisioning.
    for seat in _seats(view, "hubspot"):
        person = seat.employee
        uid = 40_000_000 + person.key
        users.append(
            {
                "id": str(uid),
                "email": person.email,
                "firstName": person.first,
                "lastName": person.last,
                "roleIds": [] if person.department == "RevOps" else ["2201"],
                "primaryTeamId": str(100 + _TEAMS.index(person.department)),
                "secondaryTeamIds": [],
                "superAdmin": person.department == "RevOps",
                "sendWelcomeEmail": False,
            }
        )
        if seat.last_active is not None and seat.last_active >= horizon:
            logins.append(
                (
                    seat.last_active,
                    {
                        "countryCode": "us",
                        "email": person.email,
                        "id": str(90_000_000 + person.key),
                        "ipAddress": f"203.0.113.{person.key % 250 + 1}",
                        "loginAt": _iso(seat.last_active),
                        "loginSucceeded": True,
                        "regionCode": "ny",
                        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)",
                        "userId": uid,
                    },
                )
            )
    logins.sort(key=lambda item: (item[0], item[1]["id"]), reverse=True)  # newest first
    return HubSpotData(users=users, logins=[row for _, row in logins])


# -- Segment --------------------------------------------------------------------------------------

_SEGMENT_WORKSPACE = "wsBrightlane0000000001"
_SEGMENT_CATEGORIES = {
    "javascript": ["Website"],
    "hubspot": ["CRM", "Marketing Automation"],
    "salesforce": ["CRM"],
}


def segment_data(view: View) -> Any:
    from stacktrack_segment.emulator import SegmentData

    users = [
        {
            "id": _ident("u", seat.employee.key, 21),
            "name": seat.employee.name,
            "email": seat.employee.email,
            **(
                {
                    "permissions": [
                        {"roleId": "r-owner", "roleName": "Workspace Owner", "resources": []}
                    ]
                }
                if seat.employee.department == "RevOps"
                else {}
            ),
        }
        for seat in _seats(view, "segment")
        if not seat.suspended  # Segment has no SSO deprovisioning state: leavers are removed
    ]
    source_ids = {}
    sources = []
    for index, link in enumerate(view.segment_sources):
        sid = _ident("src", index, 19)
        source_ids[link.source] = sid
        catalog = link.catalog_slug or "javascript"
        product = {"javascript": "Javascript"}.get(catalog, link.app)
        sources.append(
            {
                "id": sid,
                "slug": f"{link.source}_prod",
                "name": f"{link.app} (prod)",
                "workspaceId": _SEGMENT_WORKSPACE,
                "enabled": True,
                "writeKeys": [f"wk-{sid}"],
                "metadata": {
                    "id": f"cat-{catalog}",
                    "name": product,
                    "slug": catalog,
                    "categories": _SEGMENT_CATEGORIES.get(catalog, ["CRM"]),
                },
                "settings": {},
                "labels": [{"key": "environment", "value": "prod"}],
            }
        )
    destinations = [
        {
            "id": _ident("d", index, 21),
            "name": f"Prod {link.app}",
            "enabled": True,
            "metadata": {
                "id": f"cat-{link.catalog_slug}",
                "name": link.app,
                "slug": link.catalog_slug,
            },
            "sourceId": source_ids[link.source],
            "settings": {},
        }
        for index, link in enumerate(view.segment_destinations)
    ]
    return SegmentData(users=users, sources=sources, destinations=destinations)


# -- Okta -----------------------------------------------------------------------------------------

OKTA_LOG_DAYS = 90
"""System Log events are written for the last 90 days (Okta's usual retention)."""


def okta_user_id(employee: Employee) -> str:
    return "00u" + _ident("", employee.key, 17)


def _okta_app_id(index: int) -> str:
    return "0oa" + _ident("", 500 + index, 17)


def _okta_user(view: View, person: Employee) -> dict[str, Any]:
    if view.suspended(person):
        status = "SUSPENDED"
    elif person.never_logs_in:
        status = "PROVISIONED"  # created, never activated
    else:
        status = "ACTIVE"
    return {
        "id": okta_user_id(person),
        "status": status,
        "created": _iso(person.hired),
        "activated": None if status == "PROVISIONED" else _iso(person.hired),
        "lastLogin": _iso(view.last_login(person)),
        "lastUpdated": _iso(person.left if view.suspended(person) else person.hired),
        "profile": {
            "firstName": person.first,
            "lastName": person.last,
            "login": person.email,
            "email": person.email,
            "department": person.department,
            "title": person.title,
        },
    }


def okta_data(view: View) -> Any:
    from stacktrack_okta.emulator import OktaData

    base = "https://brightlane.okta.com"
    users = {person.key: _okta_user(view, person) for person in view.employees}
    apps: list[dict[str, Any]] = []
    app_users: dict[str, list[dict[str, Any]]] = {}
    events: list[tuple[dt.datetime, str, dict[str, Any]]] = []
    horizon = view.instant - dt.timedelta(days=OKTA_LOG_DAYS)
    for index, key in enumerate(sorted(view.apps)):
        app = view.apps[key]
        if app.label is None:
            continue  # not behind SSO
        app_id = _okta_app_id(index)
        spec = app.spec
        okta_name = (
            spec.sso_aliases[0] if spec and spec.sso_aliases else key.lower().replace(".", "")
        )
        apps.append(
            {
                "id": app_id,
                "name": okta_name,
                "label": app.label,
                "status": "ACTIVE",
                "created": _iso(app.created),
                "lastUpdated": _iso(app.created),
                "signOnMode": "SAML_2_0",
                "features": [],
                "settings": {"app": {}},
                "_links": {"users": {"href": f"{base}/api/v1/apps/{app_id}/users"}},
            }
        )
        members = []
        for seat in app.seats:
            person = seat.employee
            uid = okta_user_id(person)
            members.append(
                {
                    "id": uid,
                    "externalId": None,
                    "created": _iso(seat.assigned_at),
                    "lastUpdated": _iso(seat.assigned_at),
                    "scope": "GROUP",
                    "status": "PROVISIONED",
                    "syncState": "SYNCHRONIZED",
                    "credentials": {"userName": person.email},
                    "profile": {"email": person.email, "displayName": person.name},
                    "_embedded": {"user": users[person.key]},
                }
            )
            when = seat.last_active
            if when is not None and when >= horizon:
                # Only each user's latest sign-in per app: the plugin keeps the latest anyway, and a
                # full log (every sign-in of 400 people for 90 days) would only slow the demo.
                events.append(
                    (
                        when,
                        f"{uid}{app_id}",
                        {
                            "uuid": hashlib.md5(f"{uid}{app_id}{when}".encode()).hexdigest(),
                            "published": _iso(when),
                            "eventType": "user.authentication.sso",
                            "displayMessage": "User single sign on to app",
                            "severity": "INFO",
                            "outcome": {"result": "SUCCESS", "reason": None},
                            "actor": {
                                "id": uid,
                                "type": "User",
                                "alternateId": person.email,
                                "displayName": person.name,
                            },
                            "client": {
                                "ipAddress": f"198.51.100.{person.key % 250 + 1}",
                                "device": "Computer",
                            },
                            "target": [
                                {
                                    "id": app_id,
                                    "type": "AppInstance",
                                    "alternateId": app.label,
                                    "displayName": app.label,
                                },
                            ],
                            "legacyEventType": "core.user_auth.login_success",
                            "version": "0",
                        },
                    )
                )
        app_users[app_id] = members
    events.sort(key=lambda item: (item[0], item[1]))  # oldest first, as the log stores them
    return OktaData(apps=apps, app_users=app_users, logs=[event for _, _, event in events])


# -- Google Workspace ---------------------------------------------------------------------------

GOOGLE_CUSTOMER = "C0BRIGHT01"
GOOGLE_SKU = ("Google-Apps", "1010020028", "Google Workspace Business Standard")
GOOGLE_OAUTH_APPS = ("HubSpot", "Salesforce", "Zoom", "Calendly")
"""Third-party apps people grant Google OAuth access to (Gmail/Calendar sync), newest grants kept."""


def _google_activity(
    application: str, person: Employee, when: dt.datetime, event: dict[str, Any]
) -> dict[str, Any]:
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": _iso(when),
            "uniqueQualifier": str(-(_epoch(when) * 1000 + person.key)),
            "applicationName": application,
            "customerId": GOOGLE_CUSTOMER,
        },
        "actor": {
            "email": person.email,
            "profileId": str(110_000_000_000 + person.key),
            "callerType": "USER",
        },
        "ipAddress": f"198.51.100.{person.key % 250 + 1}",
        "events": [event],
    }


def google_workspace_data(view: View) -> Any:
    from stacktrack_google_workspace.emulator import GoogleWorkspaceData

    product, sku, sku_name = GOOGLE_SKU
    users, licences = [], []
    for person in view.employees:
        last = view.last_login(person)
        body: dict[str, Any] = {
            "kind": "admin#directory#user",
            "id": str(110_000_000_000 + person.key),
            "primaryEmail": person.email,
            "name": {"givenName": person.first, "familyName": person.last, "fullName": person.name},
            "isAdmin": person.department == "Leadership",
            "suspended": view.suspended(person),
            "archived": False,
            "customerId": GOOGLE_CUSTOMER,
            "creationTime": _iso(person.hired),
            "orgUnitPath": "/" + person.department.replace(" ", ""),
            "isEnrolledIn2Sv": True,
        }
        # Google writes the epoch for "never": the plugin must read it as no login on record.
        body["lastLoginTime"] = _iso(last) if last else "1970-01-01T00:00:00.000Z"
        users.append(body)
        licences.append(
            {
                "kind": "licensing#licenseAssignment",
                "etags": '"sandbox"',
                "userId": person.email,
                "productId": product,
                "productName": "Google Workspace",
                "skuId": sku,
                "skuName": sku_name,
                "selfLink": "https://licensing.googleapis.com/apps/licensing/v1/product/"
                f"{product}/sku/{sku}/user/{person.email}",
            }
        )
    horizon = view.instant - dt.timedelta(days=OKTA_LOG_DAYS)
    saml: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    tokens: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    for key in sorted(view.apps):
        app = view.apps[key]
        if app.label is None:
            continue
        for seat in app.seats:
            when = seat.last_active
            if when is None or when < horizon:
                continue
            event = {
                "type": "login",
                "name": "login_success",
                "parameters": [
                    {"name": "application_name", "value": app.label},
                    {"name": "initiated_by", "value": "sp"},
                    {
                        "name": "orgunit_path",
                        "value": "/" + seat.employee.department.replace(" ", ""),
                    },
                    {"name": "saml_status_code", "value": "SUCCESS_URI"},
                ],
            }
            saml.append(
                (when, seat.employee.key, _google_activity("saml", seat.employee, when, event))
            )
        if app.label in GOOGLE_OAUTH_APPS:
            recent = sorted(
                (
                    s
                    for s in app.seats
                    if s.last_active and s.last_active >= horizon and not s.suspended
                ),
                key=lambda s: (s.last_active, s.employee.key),
            )[-3:]
            for seat in recent:
                assert seat.last_active is not None
                event = {
                    "type": "auth",
                    "name": "authorize",
                    "parameters": [
                        {
                            "name": "client_id",
                            "value": _ident("", len(app.label) * 97 + ord(app.label[0]), 10)
                            + "-sandbox.apps.googleusercontent.com",
                        },
                        {"name": "app_name", "value": app.label},
                        {"name": "client_type", "value": "WEB"},
                        {
                            "name": "scope",
                            "multiValue": [
                                "https://www.googleapis.com/auth/calendar.readonly",
                                "openid",
                            ],
                        },
                    ],
                }
                tokens.append(
                    (
                        seat.last_active,
                        seat.employee.key,
                        _google_activity("token", seat.employee, seat.last_active, event),
                    )
                )
    # The Reports API lists newest first.
    saml.sort(key=lambda item: (item[0], item[1]), reverse=True)
    tokens.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return GoogleWorkspaceData(
        customer_id=GOOGLE_CUSTOMER,
        users=users,
        saml_activities=[row for _, _, row in saml],
        token_activities=[row for _, _, row in tokens],
        license_assignments=licences,
    )


ADAPTERS: dict[str, Callable[[View], Any]] = {
    "okta": okta_data,
    "google_workspace": google_workspace_data,
    "salesforce": salesforce_data,
    "hubspot": hubspot_data,
    "slack": slack_data,
    "segment": segment_data,
}


@functools.lru_cache(maxsize=32)
def emulator_class(plugin: str) -> Any:
    """The emulator class of a first-party plugin, imported on demand."""
    from stacktrack import registry

    loaded = registry.load_plugin(plugin)
    if isinstance(loaded, registry.PluginLoadError):
        raise LookupError(f"plugin {plugin!r} is not available: {loaded.reason}")
    try:
        emulator = loaded.emulator()
    except ImportError as exc:
        raise LookupError(f"plugin {plugin!r}: its emulator cannot be imported ({exc})") from None
    if emulator is None:
        raise LookupError(f"plugin {plugin!r} ships no emulator")
    return emulator


def build_emulators(
    view: View,
    *,
    seed: int,
    idp: str = "okta",
    page_size: int = 1000,
    prefix: bool = False,
) -> dict[str, Any]:
    """One emulator per sandbox source, each serving ``view``; ``prefix`` mounts them at ``/<name>``."""
    return {
        source: build_emulator(view, source, seed=seed, page_size=page_size, prefix=prefix)
        for source in served_sources(idp)
    }


def build_emulator(
    view: View, source: str, *, seed: int, page_size: int = 1000, prefix: bool = False
) -> Any:
    """The emulator of one source (``okta``, ``slack``, ...) serving ``view``, with its sandbox token."""
    return emulator_class(source)(
        ADAPTERS[source](view),
        token=token_for(seed, source),
        page_size=page_size,
        prefix=f"/{source}" if prefix else "",
    )


__all__ = [
    "ADAPTERS",
    "COMPANY",
    "DOMAIN",
    "build_emulators",
    "env_name",
    "sources_for",
    "token_for",
]
