"""Test kit of the ``marketo`` plugin for the shared conformance suite (docs/architecture.md).

The sample instance, with ``NOW`` as the run clock (quota 50,000, 1,200 calls made today before
the run):

* people: Ana (last login 2 days ago), Bo (40 days ago), Cy (never), Dee (login expired 10 days
  ago: no seat) and Eve (an Adobe IMS user id; mixed-case e-mail; a compact date form);
* API-only users: Salesforce Sync (calls yesterday and today) and Zapier (no call in 7 days);
* seven days of API usage, four pages of users at the default page size.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_marketo.emulator import MarketoData, MarketoEmulator, marketo_time
from stacktrack_marketo.plugin import MarketoPlugin
from stacktrack_marketo.world import user_detail as detail
from stacktrack_marketo.world import user_row as row

PLUGIN = MarketoPlugin
EMULATOR = MarketoEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
CLIENT_ID = "mkto-client-id"


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def usage_day(days_ago: int, *calls: tuple[str, int]) -> dict[str, Any]:
    return {
        "date": ago(days_ago).date().isoformat(),
        "total": 1_000 + sum(count for _, count in calls),
        "users": [{"userId": who, "count": count} for who, count in calls],
    }


def sample_data() -> MarketoData:
    people = [
        row("ana@acme.test", "ana@acme.test", "Ana", "Ruiz", 101),
        row("bo@acme.test", "bo@acme.test", "Bo", "Lee", 102),
        row("cy@acme.test", "cy@acme.test", "Cy", "Never", 103),
        row("dee@acme.test", "dee@acme.test", "Dee", "Expired", 104),
        row("0222ABC@AdobeID", "Eve@Acme.TEST", "Eve", "Ims", 105),
    ]
    machines = [
        row("sfdc-sync@acme.test", "sfdc-sync@acme.test", "Salesforce", "Sync", 201, api=True),
        row("zapier@acme.test", "zapier@acme.test", "Zapier", "", 202, api=True),
    ]
    details = {
        "ana@acme.test": detail(people[0], login=marketo_time(ago(2))),
        "bo@acme.test": detail(people[1], login=marketo_time(ago(40))),
        "cy@acme.test": detail(people[2], login=None),
        "dee@acme.test": detail(
            people[3], login=marketo_time(ago(30)), expires=marketo_time(ago(10))
        ),
        "0222ABC@AdobeID": detail(people[4], login=ago(3).strftime("%Y%m%dT%H:%M:%S.000t+0000")),
    }
    usage = [usage_day(back) for back in range(6, 1, -1)]
    usage += [
        usage_day(1, ("sfdc-sync@acme.test", 500)),
        usage_day(0, ("SFDC-Sync@acme.test", 200)),
    ]
    return MarketoData(
        client_id=CLIENT_ID,
        users=[people[0], machines[0], people[1], people[2], machines[1], people[3], people[4]],
        details=details,
        usage=usage,
    )


def settings(token: str) -> dict[str, Any]:
    """``token`` is the custom service's client secret."""
    return {"plugin": "marketo", "client_id": CLIENT_ID, "client_secret": token}


def expected_assigned(data: MarketoData) -> dict[str | None, set[str]]:
    """People whose login has not expired hold a seat; API-only users are integrations."""
    expired = {
        uid
        for uid, body in data.details.items()
        if body.get("expiresAt") and body["expiresAt"] < NOW.strftime("%Y-%m-%dT%H:%M:%S")
    }
    return {
        None: {r["userid"] for r in data.users if not r["apiOnly"] and r["userid"] not in expired}
    }
