"""Test kit for the shared conformance suite (docs/architecture.md, "Test kits") and the Google tests.

``sample_data()`` is a small customer that crosses pages at the emulator's default page size (2).
With ``NOW`` as the run clock, the default 90-day lookback and ``settings()`` (one configured SKU):

* Directory: alice (admin), bob, carol (``lastLoginTime`` at the Unix epoch: never signed in), dave
  (suspended), erin (no ``lastLoginTime``; holds another SKU only), frank (archived), grace (mixed-case
  e-mail);
* licences of the configured SKU ``Google-Apps``/``1010020028``: alice, bob, carol, dave, grace, and
  ivan@acme.example, whom the Directory does not list;
* SAML: Salesforce (alice twice, bob's ``login_failure``, an outsider deleted from the Directory),
  HubSpot (grace; dave, suspended; an event in an activity that also holds a failure), one sign-in
  before the window and one after the run clock;
* token: HubSpot granted by alice and bob, Zapier twice by grace, Jasper by carol, one grant with no
  ``app_name`` (named by its ``client_id``), and a HubSpot ``revoke`` (not a grant).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .emulator import GoogleWorkspaceData, GoogleWorkspaceEmulator
from .plugin import GoogleWorkspacePlugin

PLUGIN = GoogleWorkspacePlugin
EMULATOR = GoogleWorkspaceEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
CUSTOMER = "C0ACME42x"
PRODUCT, SKU, OTHER_SKU = "Google-Apps", "1010020028", "1010020025"

USERS: dict[str, tuple[str, str]] = {
    "alice": ("100000000000000000001", "alice@acme.example"),
    "bob": ("100000000000000000002", "bob@acme.example"),
    "carol": ("100000000000000000003", "carol@acme.example"),
    "dave": ("100000000000000000004", "dave@acme.example"),
    "erin": ("100000000000000000005", "erin@acme.example"),
    "frank": ("100000000000000000006", "frank@acme.example"),
    "grace": ("100000000000000000007", "Grace@Acme.Example"),
}


def iso(when: dt.datetime) -> str:
    return (
        when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    )


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def user(key: str, last_login: str | None, **flags: Any) -> dict[str, Any]:
    uid, mail = USERS[key]
    body: dict[str, Any] = {
        "kind": "admin#directory#user",
        "id": uid,
        "primaryEmail": mail,
        "name": {"givenName": key.title(), "familyName": "Doe", "fullName": f"{key.title()} Doe"},
        "isAdmin": False,
        "suspended": False,
        "archived": False,
        "customerId": CUSTOMER,
        "creationTime": "2023-03-01T10:00:00.000Z",
        "orgUnitPath": "/Marketing",
        "isEnrolledIn2Sv": True,
    }
    if last_login is not None:
        body["lastLoginTime"] = last_login
    body.update(flags)
    return body


def activity(
    application: str, email: str, when: dt.datetime, *events: dict[str, Any]
) -> dict[str, Any]:
    return {
        "kind": "admin#reports#activity",
        "id": {
            "time": iso(when),
            "uniqueQualifier": f"-{int(when.timestamp())}{len(email)}",
            "applicationName": application,
            "customerId": CUSTOMER,
        },
        "actor": {"email": email, "profileId": "1145111473", "callerType": "USER"},
        "ipAddress": "203.0.113.7",
        "events": list(events),
    }


def saml_event(app: str, name: str = "login_success") -> dict[str, Any]:
    return {
        "type": "login",
        "name": name,
        "parameters": [
            {"name": "application_name", "value": app},
            {"name": "initiated_by", "value": "sp"},
            {"name": "orgunit_path", "value": "/Marketing"},
            {
                "name": "saml_status_code",
                "value": "SUCCESS_URI" if name == "login_success" else "REQUESTER",
            },
        ],
    }


def token_event(
    app: str | None, name: str = "authorize", client_id: str = "1234-abc"
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": "client_id", "value": f"{client_id}.apps.googleusercontent.com"},
        {"name": "client_type", "value": "WEB"},
        {
            "name": "scope",
            "multiValue": ["https://www.googleapis.com/auth/gmail.readonly", "openid"],
        },
    ]
    if app is not None:
        parameters.insert(1, {"name": "app_name", "value": app})
    return {"type": "auth", "name": name, "parameters": parameters}


def licence(email: str, sku: str = SKU) -> dict[str, Any]:
    return {
        "kind": "licensing#licenseAssignment",
        "etags": '"x"',
        "userId": email,
        "productId": PRODUCT,
        "productName": "Google Workspace",
        "skuId": sku,
        "skuName": "Google Workspace Business Standard"
        if sku == SKU
        else "Google Workspace Business Plus",
        "selfLink": f"https://licensing.googleapis.com/apps/licensing/v1/product/{PRODUCT}/sku/{sku}/user/{email}",
    }


def sample_data() -> GoogleWorkspaceData:
    users = [
        user("alice", iso(ago(2)), isAdmin=True),
        user("bob", iso(ago(35))),
        user("carol", "1970-01-01T00:00:00.000Z"),
        user("dave", iso(ago(100)), suspended=True),
        user("erin", None),
        user("frank", iso(ago(200)), archived=True),
        user("grace", iso(ago(10))),
    ]
    mail = {key: value[1] for key, value in USERS.items()}
    saml = [
        activity("saml", mail["alice"], ago(3), saml_event("Salesforce")),
        activity("saml", mail["alice"], ago(20), saml_event("Salesforce")),
        activity("saml", mail["bob"], ago(1), saml_event("Salesforce", "login_failure")),
        activity("saml", "olga@acme.example", ago(8), saml_event("Salesforce")),
        activity("saml", mail["grace"], ago(5), saml_event("HubSpot")),
        activity("saml", mail["dave"], ago(60), saml_event("HubSpot")),
        activity(
            "saml",
            mail["bob"],
            ago(4),
            saml_event("HubSpot", "login_failure"),
            saml_event("HubSpot"),
        ),
        activity("saml", mail["carol"], ago(95), saml_event("Canva")),  # before the window
        activity(
            "saml", mail["carol"], NOW + dt.timedelta(days=1), saml_event("Canva")
        ),  # after NOW
    ]
    token = [
        activity("token", mail["alice"], ago(10), token_event("HubSpot", client_id="111-hub")),
        activity("token", mail["bob"], ago(40), token_event("HubSpot", client_id="111-hub")),
        activity(
            "token", mail["alice"], ago(9), token_event("HubSpot", "revoke", client_id="111-hub")
        ),
        activity("token", mail["grace"], ago(2), token_event("Zapier", client_id="222-zap")),
        activity("token", mail["grace"], ago(1), token_event("Zapier", client_id="222-zap")),
        activity("token", mail["carol"], ago(70), token_event("Jasper", client_id="333-jas")),
        activity("token", mail["bob"], ago(6), token_event(None, client_id="444-anon")),
    ]
    licences = [
        licence(mail["alice"]),
        licence(mail["bob"]),
        licence(mail["carol"]),
        licence(mail["dave"]),
        licence(mail["erin"], OTHER_SKU),
        licence(mail["grace"]),
        licence("ivan@acme.example"),
    ]
    return GoogleWorkspaceData(
        customer_id=CUSTOMER,
        users=users,
        saml_activities=saml,
        token_activities=token,
        license_assignments=licences,
        gemini_activities=gemini_activities(),
        usage_reports=usage_reports(),
    )


USAGE_DAY = "2026-10-29"
"""NOW is 2026-11-01 04:00 Pacific: the plugin asks three days back; the emulator's default lag
(2 days) has data for it."""
OLDER_USAGE_DAY = "2026-10-27"


def _usage(email: str, day: str, **values: Any) -> dict[str, Any]:
    parameters = []
    for key, value in values.items():
        name = key.replace("__", ":")
        if isinstance(value, dt.datetime):
            parameters.append({"name": name, "datetimeValue": iso(value)})
        elif isinstance(value, str) and value.startswith("1970"):
            parameters.append({"name": name, "datetimeValue": value})
        else:
            parameters.append({"name": name, "intValue": str(value)})
    return {
        "kind": "admin#reports#usageReport",
        "date": day,
        "etag": '"e"',
        "entity": {"type": "USER", "customerId": CUSTOMER, "userEmail": email, "profileId": "1"},
        "parameters": parameters,
    }


def usage_reports() -> dict[str, list[dict[str, Any]]]:
    """Gmail: alice (interaction 3 days ago, 12 sent) is active; bob never (the epoch); carol's
    last interaction is 40 days old. Drive: alice edited 3 items, carol viewed 5 (both active),
    bob nothing. Docs: alice 0 (the parameter is there, nobody used it). An older day (used when the
    newer ones are not ready) has bob sending 4 e-mails."""
    mail = {key: value[1].lower() for key, value in USERS.items()}
    newest = [
        _usage(
            mail["alice"],
            USAGE_DAY,
            gmail__last_interaction_time=ago(3),
            gmail__num_emails_sent=12,
            drive__num_items_edited=3,
            docs__num_docs_edited=0,
            accounts__last_login_time=ago(2),
        ),
        _usage(
            mail["bob"],
            USAGE_DAY,
            gmail__last_interaction_time="1970-01-01T00:00:00.000Z",
            gmail__num_emails_sent=0,
            drive__num_items_edited=0,
        ),
        _usage(
            mail["carol"],
            USAGE_DAY,
            gmail__last_interaction_time=ago(40),
            gmail__num_emails_sent=0,
            drive__num_items_viewed=5,
        ),
    ]
    older = [
        _usage(
            mail["bob"],
            OLDER_USAGE_DAY,
            gmail__last_interaction_time=ago(5),
            gmail__num_emails_sent=4,
        ),
    ]
    return {USAGE_DAY: newest, OLDER_USAGE_DAY: older}


def gemini_event(action: str, app: str) -> dict[str, Any]:
    return {
        "type": "ai_usage_event",
        "name": "feature_utilization",
        "parameters": [{"name": "action", "value": action}, {"name": "app_name", "value": app}],
    }


def gemini_activities() -> list[dict[str, Any]]:
    """alice three uses (two activities), grace one; one use after NOW (not counted)."""
    mail = {key: value[1] for key, value in USERS.items()}
    return [
        activity(
            GEMINI_APP,
            mail["alice"],
            ago(1),
            gemini_event("summarize", "gmail"),
            gemini_event("bulletize", "docs"),
        ),
        activity(GEMINI_APP, mail["grace"], ago(4), gemini_event("conversation", "gemini_app")),
        activity(GEMINI_APP, mail["alice"], ago(20), gemini_event("summarize", "gmail")),
        activity(
            GEMINI_APP, mail["bob"], NOW + dt.timedelta(days=1), gemini_event("summarize", "gmail")
        ),
    ]


GEMINI_APP = "gemini_in_workspace_apps"


def settings(token: str) -> dict[str, Any]:
    return {
        "plugin": "google_workspace",
        "token": token,
        "license_skus": [{"product_id": PRODUCT, "sku_id": SKU}],
    }


def expected_assigned(data: GoogleWorkspaceData) -> dict[str | None, set[str]]:
    """Workspace: active users holding the configured SKU (plus licence holders the Directory lacks);
    SAML apps: active Directory users with a ``login_success`` in the window."""
    start, end = NOW - dt.timedelta(days=90), NOW
    by_email = {u["primaryEmail"].lower(): u for u in data.users}
    holders = {
        item["userId"].lower()
        for item in data.license_assignments
        if item["productId"] == PRODUCT and item["skuId"] == SKU
    }
    workspace = {
        u["id"]
        for u in data.users
        if not u.get("suspended") and not u.get("archived") and u["primaryEmail"].lower() in holders
    }
    workspace |= holders - set(by_email)
    result: dict[str | None, set[str]] = {None: workspace}
    for item in data.saml_activities:
        when = dt.datetime.fromisoformat(item["id"]["time"].replace("Z", "+00:00"))
        if not start <= when <= end:
            continue
        person = by_email.get(item["actor"]["email"].lower())
        for event in item["events"]:
            if event["name"] != "login_success":
                continue
            app = next(p["value"] for p in event["parameters"] if p["name"] == "application_name")
            assigned = result.setdefault(app, set())
            if person is not None and not person.get("suspended") and not person.get("archived"):
                assigned.add(person["id"])
    return result
