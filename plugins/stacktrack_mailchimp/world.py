"""The sandbox world in Mailchimp's shapes (``MailchimpEmulator.world_data``) and its tool.

The Mailchimp tool is the base stack's (same contract, same people behind SSO); Mailchimp's own API
adds the applications authorized on the account: HubSpot (the list sync) and Zapier.
"""

from __future__ import annotations

from typing import Any

from stacktrack.testing.world import ContractSpec, LinkSpec, ToolSpec, WorldView

from .emulator import MailchimpData

TOOL_ID = "mailchimp"

TOOL = ToolSpec(
    TOOL_ID,
    "Mailchimp Standard",
    "mailchimp",
    "Demand Gen",
    ContractSpec(18_000, start=900, renewal=100, notice_days=30, pricing="flat"),
    {"Demand Gen": 0.75, "Content": 0.6, "Field Marketing": 0.7},
    mix=(0.45, 0.35, 0.1, 0.1),
    sso_label="Mailchimp",
    pattern="email_overlap",
    links=(
        LinkSpec("HubSpot", 700, kind="authorized_app"),
        LinkSpec("Zapier", 400, kind="authorized_app"),
    ),
)


def world_data(view: WorldView) -> MailchimpData:
    owner = next((seat.employee for seat in view.seats(TOOL_ID)), None)
    username = owner.email.split("@")[0] if owner else "brightlane"
    apps: list[dict[str, Any]] = [
        {
            "id": 870_000 + index,
            "name": link.app,
            "description": f"Connect Mailchimp with {link.app}",
            "users": [username],
            "_links": [],
        }
        for index, link in enumerate(view.links(TOOL_ID, "authorized_app"))
    ]
    return MailchimpData(apps=apps)
