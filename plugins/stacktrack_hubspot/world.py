"""The sandbox world in HubSpot's shapes (``HubSpotEmulator.world_data``) and the HubSpot tool.

Every seat of the ``hubspot`` tool is a user (leavers keep their seat: nobody removes users from a tool
outside SSO provisioning); the login history holds each user's latest sign-in within HubSpot's 90 days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import (
    CORE,
    ContractSpec,
    FeatureSpec,
    ToolSpec,
    WorldView,
    iso_millis,
)

from .emulator import HubSpotData

LOGIN_HISTORY_DAYS = 90

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
        FeatureSpec("sequences", share=0.0),
        FeatureSpec("website-pages", share=0.0),
    ),
)


def world_data(view: WorldView) -> HubSpotData:
    users: list[dict[str, Any]] = []
    logins: list[tuple[dt.datetime, dict[str, Any]]] = []
    horizon = view.instant - dt.timedelta(days=LOGIN_HISTORY_DAYS)
    teams = list(view.departments)
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
    return HubSpotData(users=users, logins=[row for _, row in logins])
