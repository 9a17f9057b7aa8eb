"""The sandbox world in Segment's shapes (``SegmentEmulator.world_data``) and the Segment tool.

Workspace users are the tool's current seat holders (Segment has no deprovisioned state: leavers are
removed); the tool's integrations are its sources and the destinations hanging off them. The plan is
priced by monthly tracked users (100,000 included, ``ContractSpec.plan_volume``): the workspace tracks
about 84,000-90,000 a month, counted up to yesterday (the current day is not counted yet).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.testing.world import HEALTHY, ContractSpec, LinkSpec, ToolSpec, WorldView, stable_id

from .emulator import SegmentData

WORKSPACE = "wsBrightlane0000000001"
_CATEGORIES = {
    "javascript": ["Website"],
    "hubspot": ["CRM", "Marketing Automation"],
    "salesforce": ["CRM"],
}

PLAN_MTU = 100_000
"""Tracked users the Business plan includes per month (the demo contract's ``plan_volume``)."""

TOOL = ToolSpec(
    "segment",
    "Segment Business",
    "segment",
    "RevOps",
    ContractSpec(
        60_000,
        start=600,
        renewal=210,
        notice_days=60,
        pricing="flat",
        features=("event-collection", "destinations", "warehouses", "functions", "reverse-etl"),
        plan_volume=PLAN_MTU,
        plan_volume_metric="mtu",
    ),
    {"RevOps": 0.8, "Product Marketing": 0.25, "Demand Gen": 0.1},
    mix=HEALTHY,
    sso_label="Segment",
    pattern="core",
    links=(
        *(
            LinkSpec(name, 600 - 40 * index, kind="source", source=slug, catalog_slug=catalog)
            for index, (slug, name, catalog) in enumerate(
                (
                    ("website", "Website", "javascript"),
                    ("hubspot", "HubSpot", "hubspot"),
                    ("salesforce", "Salesforce", "salesforce"),
                )
            )
        ),
        # Destinations deliver hourly (``tracks_use``); the Hotjar one is still enabled but has
        # delivered nothing for 150 days: the integration without purpose.
        *(
            LinkSpec(
                name,
                days,
                kind="destination",
                source=source,
                catalog_slug=catalog,
                tracks_use=True,
                stale_days=stale,
            )
            for source, name, catalog, days, stale in (
                ("website", "HubSpot", "hubspot", 650, None),
                ("website", "Salesforce", "salesforce", 600, None),
                ("website", "Amplitude", "amplitude", 200, None),
                ("hubspot", "Mailchimp", "mailchimp", 580, None),
                ("website", "Hotjar", "hotjar", 360, 150),
                ("salesforce", "HubSpot", "hubspot", 590, None),
            )
        ),
    ),
)


def world_data(view: WorldView) -> SegmentData:
    users = [
        {
            "id": stable_id("u", seat.employee.key, 21),
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
        for seat in view.seats("segment")
        if not seat.suspended
    ]
    source_ids: dict[str | None, str] = {}
    sources = []
    for index, link in enumerate(view.links("segment", "source")):
        sid = stable_id("src", index, 19)
        source_ids[link.source] = sid
        catalog = link.catalog_slug or "javascript"
        product = {"javascript": "Javascript"}.get(catalog, link.app)
        sources.append(
            {
                "id": sid,
                "slug": f"{link.source}_prod",
                "name": f"{link.app} (prod)",
                "workspaceId": WORKSPACE,
                "enabled": True,
                "writeKeys": [f"wk-{sid}"],
                "metadata": {
                    "id": f"cat-{catalog}",
                    "name": product,
                    "slug": catalog,
                    "categories": _CATEGORIES.get(catalog, ["CRM"]),
                },
                "settings": {},
                "labels": [{"key": "environment", "value": "prod"}],
            }
        )
    destinations = [
        {
            "id": stable_id("d", index, 21),
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
        for index, link in enumerate(view.links("segment", "destination"))
        if link.source in source_ids
    ]
    return SegmentData(
        users=users,
        sources=sources,
        destinations=destinations,
        deliveries=_deliveries(view, source_ids),
        volume_metric="mtu",
        mtu_days=mtu_days(view.instant.date()),
    )


def monthly_mtu(month: dt.date) -> int:
    """Distinct users the website and apps send in a month: 84,000-90,000, by month."""
    return 84_000 + 3_000 * (month.month % 3)


def mtu_days(today: dt.date) -> list[tuple[dt.date, dict[str, int]]]:
    """Each counted day of ``today``'s month (the 1st to yesterday) with its cumulative MTU
    categories. Returning users make the month's count grow fast at first, then level off
    (``(d / days) ** 0.55`` of the month's total); 35% of them sign in (identified), a fifth of
    those were first seen anonymously; the rest stay anonymous."""
    month = today.replace(day=1)
    days_in_month = ((month + dt.timedelta(days=32)).replace(day=1) - month).days
    total = monthly_mtu(month)
    found = []
    for day in range(1, today.day):
        tracked = round(total * (day / days_in_month) ** 0.55)
        identified = round(tracked * 0.35)
        never = tracked - identified
        both = round(identified * 0.2)
        found.append(
            (
                month.replace(day=day),
                {
                    "identified": identified,
                    "neverIdentified": never,
                    "anonymousIdentified": both,
                    "anonymous": never + both,
                },
            )
        )
    return found


def _deliveries(view: WorldView, source_ids: dict[str | None, str]) -> dict[str, list[Any]]:
    """Daily successful deliveries over the last 30 days of each destination that carries data,
    at the link's own rate of use (the world counts uses per hour); none for the others."""
    found: dict[str, list[Any]] = {}
    for index, link in enumerate(view.links("segment", "destination")):
        if link.source not in source_ids or link.last_used is None:
            continue
        hours = max(1.0, (link.last_used - link.created).total_seconds() / 3600)
        per_day = max(1, round(link.use_count / hours * 24))
        last_day = link.last_used.replace(hour=0, minute=0, second=0, microsecond=0)
        first = max(link.created, link.last_used - dt.timedelta(days=30))
        days = max(1, (last_day - first).days + 1)
        found[stable_id("d", index, 21)] = [
            (last_day - dt.timedelta(days=offset), per_day) for offset in range(days)
        ]
    return found
