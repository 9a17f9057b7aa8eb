"""Every first-party plugin, through its emulator, sees the same sandbox world.

Each source's real plugin collects from its emulator serving one instant of the world; the views
must agree: the same people and e-mails, the same sign-ins as seen by the identity provider and the
vendor, integrations named so that they resolve to the configured tools on both sides.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re

import pytest

from stacktrack.http import build_client
from stacktrack.plugin_api import Account, AppUsage, CollectContext, Observation
from stacktrack.registry import load_plugin
from stacktrack.sandbox import participants
from stacktrack.sandbox.world import View, World

SEED = 21


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(SEED)


@pytest.fixture(scope="module")
def view(world: World) -> View:
    return world.at(world.end - dt.timedelta(days=3, hours=7))


SOURCES = ["okta", "google_workspace", "hubspot", "salesforce", "segment", "slack"]


@pytest.fixture(scope="module")
def seen(view: View) -> dict[str, Observation]:
    """Every source's observation of ``view``, collected once for the module."""

    async def all_sources() -> dict[str, Observation]:
        return {source: await _collect(view, source) for source in SOURCES}

    return asyncio.run(all_sources())


async def _collect(view: View, source: str) -> Observation:
    plugin_class = load_plugin(source)
    assert not isinstance(plugin_class, Exception) and hasattr(plugin_class, "collect"), source
    emulator = participants.build_emulator(view, source, seed=SEED, prefix=True)
    token = participants.token_for(SEED, source)
    settings = plugin_class.settings_model.model_validate(
        {"plugin": source, "token": token, "base_url": f"https://sandbox.test/{source}"}
    )
    plugin = plugin_class(source, settings)
    async with build_client(plugin, transport=emulator.transport()) as client:
        return await plugin.collect(client, CollectContext(source=source, now=view.instant))


def own(observation: Observation) -> AppUsage:
    return next(app for app in observation.apps if app.app is None)


def app(observation: Observation, label: str) -> AppUsage:
    return next(a for a in observation.apps if a.app == label)


def assigned(usage: AppUsage) -> set[str]:
    return {a.email for a in usage.accounts or [] if a.assigned and a.email}


def active(usage: AppUsage, view: View, days: int = 30) -> set[str]:
    since = view.instant - dt.timedelta(days=days)
    return {
        a.email
        for a in usage.accounts or []
        if a.email and a.last_active is not None and a.last_active >= since
    }


def _never_ahead(observation: Observation, view: View) -> None:
    for usage in observation.apps:
        for account in usage.accounts or []:
            account: Account
            assert account.last_active is None or account.last_active <= view.instant


@pytest.mark.parametrize("source", SOURCES)
def test_every_plugin_collects_its_view(
    view: View, seen: dict[str, Observation], source: str
) -> None:
    observation = seen[source]
    _never_ahead(observation, view)
    employees = {e.email for e in view.employees}
    emails = {a.email for usage in observation.apps for a in usage.accounts or [] if a.email}
    assert emails and emails <= employees


def test_idp_and_vendors_agree_on_people_and_sign_ins(
    view: View, seen: dict[str, Observation]
) -> None:
    okta = seen["okta"]
    for source, label in (("slack", "Slack"), ("salesforce", "Salesforce"), ("hubspot", "HubSpot")):
        vendor = own(seen[source])
        sso = app(okta, label)
        # Leavers stay in HubSpot (no SSO deprovisioning there); otherwise the seats are the same.
        if source == "hubspot":
            assert assigned(sso) <= assigned(vendor)
        else:
            assert assigned(sso) == assigned(vendor)
        gone = _suspended(view)
        assert active(sso, view) - gone == active(vendor, view) - gone
        assert len(active(sso, view)) > 10


def _suspended(view: View) -> set[str]:
    return {e.email for e in view.employees if view.suspended(e)}


def test_google_sees_the_same_sign_ins_as_okta(view: View, seen: dict[str, Observation]) -> None:
    okta, google = seen["okta"], seen["google_workspace"]
    for label in ("HubSpot", "Jasper", "Otter.ai"):
        assert active(app(google, label), view) == active(app(okta, label), view)
    workspace = own(google)
    assert len(assigned(workspace)) == sum(1 for e in view.employees if not view.suspended(e))


def test_integrations_resolve_to_configured_tools_on_both_sides(
    view: View, seen: dict[str, Observation]
) -> None:
    names = {app.label for app in view.apps.values() if app.spec and app.label}
    salesforce = own(seen["salesforce"])
    oauth = {i.app: i for i in salesforce.integrations or []}
    assert {"HubSpot", "Segment", "Drift"} <= set(oauth) and set(oauth) <= names
    assert oauth["Drift"].last_used is not None
    assert view.instant - oauth["Drift"].last_used > dt.timedelta(days=90)
    assert view.instant - oauth["HubSpot"].last_used < dt.timedelta(days=1)
    segment = own(seen["segment"])
    flows = {(i.app, i.direction) for i in segment.integrations or []}
    assert {("HubSpot", "out"), ("Salesforce", "out"), ("Mailchimp", "out")} <= flows
    assert ("HubSpot", "in") in flows  # HubSpot also feeds Segment as a cloud source
    assert {name for name, _ in flows} <= names
    slack = own(seen["slack"])
    assert {"HubSpot", "Salesforce", "Zoom"} <= {i.app for i in slack.integrations or []}


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
_EPOCH_FIELDS = {"date_first", "date_last", "updated", "date"}


def _timestamps(node: object, key: str = "") -> list[dt.datetime]:
    found: list[dt.datetime] = []
    if isinstance(node, dict):
        for name, value in node.items():
            found += _timestamps(value, str(name))
    elif isinstance(node, list | tuple):
        for value in node:
            found += _timestamps(value, key)
    elif isinstance(node, str) and _ISO.match(node):
        text = node.replace("Z", "+00:00")
        if text[-5] in "+-" and text[-3] != ":":  # Salesforce's +0000
            text = text[:-2] + ":" + text[-2:]
        found.append(dt.datetime.fromisoformat(text))
    elif key in _EPOCH_FIELDS and isinstance(node, int | str) and str(node).isdigit():
        found.append(dt.datetime.fromtimestamp(int(node), dt.UTC))
    return found


@pytest.mark.parametrize("source", SOURCES)
def test_no_vendor_timestamp_is_after_the_instant(world: World, source: str) -> None:
    # Weeks before the end: people hired or leaving later must not show through.
    view = world.at(world.end - dt.timedelta(weeks=12, hours=3))
    data = dataclasses.asdict(participants.emulators()[source].world_data(view))
    stamps = _timestamps(data)
    if source == "segment":  # the Segment endpoints carry no times at all
        assert stamps == []
        return
    assert len(stamps) > 50
    assert max(stamps) <= view.instant
