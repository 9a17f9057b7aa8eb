"""Test kit of the ``mailchimp`` plugin for the shared conformance suite (docs/architecture.md).

Five authorized apps (three pages at the default page size); one was linked by two users, one
by nobody. The plugin lists no accounts (Mailchimp has no user listing), so no seats are expected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack_mailchimp.emulator import MailchimpData, MailchimpEmulator
from stacktrack_mailchimp.plugin import MailchimpPlugin

PLUGIN = MailchimpPlugin
EMULATOR = MailchimpEmulator
RATE_LIMIT_RETRYABLE = True
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def app(aid: int, name: str, *users: str) -> dict[str, Any]:
    return {
        "id": aid,
        "name": name,
        "description": f"{name} integration",
        "users": list(users),
        "_links": [],
    }


def sample_data() -> MailchimpData:
    return MailchimpData(
        apps=[
            app(1, "Zapier", "acmeowner"),
            app(2, "HubSpot", "acmeowner", "ana"),
            app(3, "Shopify", "bo"),
            app(4, "Canva"),
            app(5, "Salesforce", "acmeowner"),
        ]
    )


def settings(token: str) -> dict[str, Any]:
    return {"plugin": "mailchimp", "token": token, "server_prefix": "us6"}


def expected_assigned(data: MailchimpData) -> dict[str | None, set[str]]:
    """Mailchimp lists no users: no app has accounts."""
    return {}
