"""The sandbox world in HubSpot's shapes (``HubSpotEmulator.world_data``) and the HubSpot tool.

Every seat of the ``hubspot`` tool is a user (leavers keep their seat: nobody removes users from a tool
outside SSO provisioning); the login history holds each user's latest sign-in within HubSpot's 90 days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import (
    CORE,
    AddonSpec,
    ContractSpec,
    FeatureSpec,
    ToolSpec,
    WorldView,
    iso_millis,
)

from .emulator import HubSpotData

LOGIN_HISTORY_DAYS = 90
CORE_SEAT = "Core Seat"
SALES_SEAT = "Sales Seat"
"""Seat names as the users' ``seatNames`` carry them: everyone holds a core seat; the sequences
add-on's holders hold a sales seat too."""

TOOL = ToolSpec(
    "hubspot",
    "HubSpot Marketing Hub Enterprise",
    "hubspot",
    "Demand Gen",
    ContractSpec(
        96_000,
        start=700,
        renewal=240,
        notice_days=90,
        seats=160,
        tier="enterprise",
        # The suite bought for everything, a third of it carrying all the use.
        features=(
            "marketing-email",
            "forms",
            "landing-pages",
            "workflows",
            "sequences",
            "website-pages",
            "ab-testing",
            "social-publishing",
            "attribution-reporting",
        ),
        downgrade_annual_cost=62_000,
        # Sales seats bought for 50 people to run sequences; 40 handed out, 6 write sequences.
        addons=(AddonSpec("sequences", 27_000, seats=50),),
    ),
    {
        "Demand Gen": 1.0,
        "Content": 0.9,
        "Field Marketing": 0.9,
        "Product Marketing": 0.8,
        "Brand": 0.6,
        "RevOps": 0.8,
    },
    mix=CORE,
    sso_label="HubSpot",
    pattern="core",
    features=(
        FeatureSpec("marketing-email", share=0.35, frequency=0.25, events=2),
        FeatureSpec("forms", share=0.15, frequency=0.1),
        FeatureSpec("workflows", share=0.08, frequency=0.15, events=3),
        FeatureSpec("landing-pages", share=0.1, frequency=0.1, stops=150),
        FeatureSpec("sequences", count=6, frequency=0.2, seats=50, assigned=40, name=SALES_SEAT),
        FeatureSpec("website-pages", share=0.0),
    ),
)


def world_data(view: WorldView) -> HubSpotData:
    users: list[dict[str, Any]] = []
    logins: list[tuple[dt.datetime, dict[str, Any]]] = []
    horizon = view.instant - dt.timedelta(days=LOGIN_HISTORY_DAYS)
    teams = list(view.departments)
    sequences = view.features("hubspot").get("sequences")
    sales_seats = {person.key for person in sequences.holders} if sequences else set()
    for seat in view.seats("hubspot"):
        person = seat.employee
        uid = 40_000_000 + person.key
        team = teams.index(person.department) if person.department in teams else 0
        users.append(
            {
                "id": str(uid),
                "email": person.email,
                "firstName": person.first,
                "lastName": person.last,
                "roleIds": [] if person.department == "RevOps" else ["2201"],
                "primaryTeamId": str(100 + team),
                "secondaryTeamIds": [],
                "superAdmin": person.department == "RevOps",
                "sendWelcomeEmail": False,
                "seatNames": [CORE_SEAT, *([SALES_SEAT] if person.key in sales_seats else [])],
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
                        "loginAt": iso_millis(seat.last_active),
                        "loginSucceeded": True,
                        "regionCode": "ny",
                        "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)",
                        "userId": uid,
                    },
                )
            )
    logins.sort(key=lambda item: (item[0], item[1]["id"]), reverse=True)  # newest first
    data = HubSpotData(users=users, logins=[row for _, row in logins])
    _add_assets(data, view)
    return data


ASSET_DAYS = 365
"""Assets of the last year (older ones say nothing about the window and only slow the sandbox)."""


def _add_assets(data: HubSpotData, view: WorldView) -> None:
    """The tool's feature model as HubSpot assets: an email or landing page published on each day
    of use by its user, a form changed on each day of use, a sequence of its owner changed on each
    day of use, one workflow per user of the feature (enabled while they still use it)."""
    features = view.features("hubspot")
    horizon = view.instant - dt.timedelta(days=ASSET_DAYS)

    def uses(key: str) -> list[tuple[dt.datetime, int, int]]:
        feature = features.get(key)
        if feature is None:
            return []
        return sorted(
            (when, 40_000_000 + user.employee.key, user.events_per_use)
            for user in feature.users
            for when in user.uses
            if when >= horizon
        )

    for number, (when, uid, events) in enumerate(uses("marketing-email")):
        data.marketing_emails.append(
            {
                "id": str(120_000_000 + number),
                "name": f"Newsletter {number + 1}",
                "subject": f"Brightlane update #{number + 1}",
                "type": "BATCH_EMAIL",
                "state": "PUBLISHED",
                "isPublished": True,
                "publishedAt": iso_millis(when),
                "createdAt": iso_millis(when - dt.timedelta(days=2)),
                "updatedAt": iso_millis(when),
                "createdById": str(uid),
                "updatedById": str(uid),
                "stats": {"counters": {"sent": 450 * events, "open": 120 * events}},
            }
        )
    for number, (when, uid, _events) in enumerate(uses("landing-pages")):
        data.landing_pages.append(
            {
                "id": str(130_000_000 + number),
                "name": f"Campaign page {number + 1}",
                "state": "PUBLISHED",
                "publishDate": iso_millis(when),
                "createdAt": iso_millis(when - dt.timedelta(days=1)),
                "updatedAt": iso_millis(when),
                "createdById": str(uid),
                "updatedById": str(uid),
            }
        )
    for number, (when, _uid, _events) in enumerate(uses("forms")):
        data.forms.append(
            {
                "id": f"f{number:06d}-0000-4000-8000-000000000000",
                "name": f"Form {number + 1}",
                "formType": "hubspot",
                "createdAt": iso_millis(when - dt.timedelta(days=30)),
                "updatedAt": iso_millis(when),
                "archived": False,
            }
        )
    for number, (when, uid, _events) in enumerate(uses("sequences")):
        data.sequences.setdefault(str(uid), []).append(
            {
                "id": str(150_000_000 + number),
                "name": f"Outreach {number + 1}",
                "createdAt": iso_millis(when - dt.timedelta(days=1)),
                "updatedAt": iso_millis(when),
                "userId": str(uid),
            }
        )
    workflows = features.get("workflows")
    for number, user in enumerate(workflows.users if workflows else []):
        last = user.last_used
        data.flows.append(
            {
                "id": str(140_000_000 + number),
                "name": f"Nurture {number + 1}",
                "flowType": "WORKFLOW",
                "isEnabled": bool(last and last >= view.instant - dt.timedelta(days=90)),
                "objectTypeId": "0-1",
                "revisionId": "3",
                "createdAt": iso_millis(user.uses[0]) if user.uses else None,
                "updatedAt": iso_millis(last) if last else None,
            }
        )
