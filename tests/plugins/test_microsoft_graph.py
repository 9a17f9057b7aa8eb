"""The ``microsoft_graph`` plugin against its emulator: figures worked out by hand from the test kit.

NOW = 2026-11-01 12:00 UTC, lookback 90 days (report period D90), reports refreshed 2026-10-30 (two
days' lag). Licence pools: SPE_E3 (10 bought; alice, bob, carol, dave blocked, erin),
Microsoft_365_Copilot (5 bought; alice, bob, erin), POWER_BI_PRO (5 bought, 2 suspended; erin, frank
the guest). Last successful sign-ins: alice 1 d, bob 40 d (a failed attempt 1 d ago), carol never,
dave 100 d, erin 3 d. Copilot: alice 5 d (Word 5 d, Chat 12 d), bob never, erin 1 d (after the
refresh date, so not in the report).
Enterprise apps: Salesforce (assigned alice, bob, carol + the Marketing group: carol, erin, dave
blocked; SSO alice 2 d, bob only a failure
and one 40 d ago — past the 30-day retention —, grace 4 d unassigned), HubSpot (no assignment
required: alice 5 d, erin 6 d), Miro (erin 1 d), Old Webinar Tool (no service principal: alice 9 d).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stamina
from stacktrack_microsoft_graph import testkit
from stacktrack_microsoft_graph.emulator import MicrosoftGraphData, MicrosoftGraphEmulator
from stacktrack_microsoft_graph.plugin import MicrosoftGraphPlugin, report_period

from stacktrack.errors import AuthenticationError, PluginError
from stacktrack.http import build_client
from stacktrack.plugin_api import AccountStatus, ActivityKind, AppUsage, CollectContext, Observation

SECRET = "graph-client-secret-0123456789"
SOURCE = "entra"
NOW = testkit.NOW
U = testkit.USERS


@pytest.fixture(autouse=True)
def _no_waits() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


def _plugin(**extra: Any) -> MicrosoftGraphPlugin:
    raw = {**testkit.settings(SECRET), **extra}
    return MicrosoftGraphPlugin(SOURCE, MicrosoftGraphPlugin.settings_model.model_validate(raw))


def _emulator(data: MicrosoftGraphData | None = None, **kwargs: Any) -> MicrosoftGraphEmulator:
    return MicrosoftGraphEmulator(data or testkit.sample_data(), token=SECRET, **kwargs)


async def _collect(
    transport: httpx.AsyncBaseTransport,
    *,
    plugin: MicrosoftGraphPlugin | None = None,
    lookback: int = 90,
) -> Observation:
    plugin = plugin or _plugin()
    async with build_client(plugin, transport=transport) as client:
        return await plugin.collect(
            client, CollectContext(source=SOURCE, now=NOW, lookback_days=lookback)
        )


def _app(observation: Observation, label: str) -> AppUsage:
    return next(app for app in observation.apps if app.app == label)


def _by_id(app: AppUsage) -> dict[str, Any]:
    return {account.id: account for account in app.accounts or ()}


def _ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def _day(days: int) -> dt.datetime:
    return dt.datetime.combine(_ago(days).date(), dt.time(), tzinfo=dt.UTC)


# -- licence pools ------------------------------------------------------------------------------


async def test_suite_pool_seats_holders_and_last_successful_sign_in() -> None:
    observation = await _collect(_emulator().transport())
    e3 = _app(observation, "SPE_E3")
    assert e3.app_id == testkit.E3
    assert e3.seats_purchased == 10
    assert e3.activity_known and e3.history_horizon_days is None
    accounts = _by_id(e3)
    assert set(accounts) == {U["alice"], U["bob"], U["carol"], U["dave"], U["erin"]}
    # bob's last *successful* sign-in is 40 days ago; his failed attempt yesterday is not use
    assert accounts[U["bob"]].last_active == _ago(40)
    assert accounts[U["alice"]].last_active == _ago(1)
    assert accounts[U["alice"]].activity_kind is ActivityKind.LOGIN
    assert accounts[U["carol"]].last_active is None and accounts[U["carol"]].assigned
    # dave is blocked: holds a licence (a note says so) but no seat in the figures
    assert accounts[U["dave"]].status is AccountStatus.DEACTIVATED
    assert not accounts[U["dave"]].assigned
    assert any("SPE_E3: 1 licences held by blocked accounts" in n for n in observation.notes)


async def test_copilot_pool_activity_comes_from_the_copilot_report() -> None:
    observation = await _collect(_emulator().transport())
    pool = _app(observation, "Microsoft_365_Copilot")
    assert pool.seats_purchased == 5
    assert pool.activity_known and pool.history_horizon_days == 90
    accounts = _by_id(pool)
    assert accounts[U["alice"]].last_active == _day(5)
    assert accounts[U["alice"]].activity_kind is ActivityKind.FEATURE
    assert accounts[U["bob"]].last_active is None  # empty dates mean never
    # erin's use yesterday is after the report's refresh date (two days' lag): not in it yet
    assert accounts[U["erin"]].last_active is None
    word = next(f for f in pool.features or () if f.feature == "Copilot in Word")
    assert (word.active_users, word.users) == (1, ["alice@contoso.example"])
    assert any("run to 2026-10-30" in note for note in observation.notes)


async def test_other_pools_list_holders_without_activity_and_note_suspended_units() -> None:
    observation = await _collect(_emulator().transport())
    power_bi = _app(observation, "POWER_BI_PRO")
    assert power_bi.seats_purchased == 5
    assert not power_bi.activity_known
    accounts = _by_id(power_bi)
    assert set(accounts) == {U["erin"], U["frank"]}
    assert accounts[U["frank"]].guest
    assert accounts[U["frank"]].email == "frank@partner.example"  # mail, not the #EXT# UPN
    assert any("POWER_BI_PRO: 2 units suspended" in n for n in observation.notes)
    assert any("POWER_BI_PRO: Graph reports no use" in n for n in observation.notes)


async def test_copilot_add_on_is_a_feature_of_the_suite_with_its_own_seats() -> None:
    observation = await _collect(_emulator().transport())
    e3 = _app(observation, "SPE_E3")
    addon = next(f for f in e3.features or () if f.feature == "ai-assistant")
    # 5 bought; alice, bob, erin hold both E3 and Copilot; only alice used it in the period
    assert (addon.seats_purchased, addon.seats_assigned) == (5, 3)
    assert addon.active_users == 1 and addon.users == ["alice@contoso.example"]
    assert addon.last_used == _day(5) and addon.window_days == 30


async def test_suite_features_from_the_usage_reports() -> None:
    observation = await _collect(_emulator().transport())
    features = {f.feature: f for f in _app(observation, "SPE_E3").features or ()}
    # Exchange: alice 1 d (after the refresh date: blank), bob 20 d, erin 3 d, dave 200 d (blocked
    # but still a holder: out of the 90-day period anyway)
    assert features["mail"].active_users == 2
    assert features["mail"].users == ["bob@contoso.example", "erin@contoso.example"]
    assert features["file-storage"].active_users == 0  # erin's OneDrive is 100 days old
    assert features["file-storage"].last_used == _day(100)
    # Teams: alice 10 + 5 chats, 2 calls, 3 meetings; bob 1 meeting; erin nothing
    assert (features["team-chat"].events, features["team-chat"].active_users) == (15, 1)
    assert (features["video-meetings"].events, features["video-meetings"].active_users) == (4, 2)
    assert features["calls"].events == 2


async def test_copilot_as_an_add_on_only() -> None:
    observation = await _collect(_emulator().transport(), plugin=_plugin(copilot_pool=False))
    assert "Microsoft_365_Copilot" not in {app.app for app in observation.apps}
    addon = next(
        f for f in _app(observation, "SPE_E3").features or () if f.feature == "ai-assistant"
    )
    assert (addon.seats_purchased, addon.seats_assigned, addon.active_users) == (5, 3, 1)


# -- enterprise apps and sign-ins ------------------------------------------------------------


async def test_enterprise_apps_assignments_and_sso_within_retention() -> None:
    emulator = _emulator()
    observation = await _collect(emulator.transport())
    labels = {app.app for app in observation.apps}
    # first-party (Teams), disabled (Legacy Tool), a managed identity, and apps with neither an
    # assignment nor a sign-in (Canva, Zapier, Jasper) are not apps of this company
    assert {"Salesforce", "HubSpot", "Miro", "Old Webinar Tool"} <= labels
    assert not labels & {"Microsoft Teams", "Legacy Tool", "backup-job", "Canva", "Zapier"}
    salesforce = _by_id(_app(observation, "Salesforce"))
    assert salesforce[U["alice"]].last_active == _ago(2)
    assert salesforce[U["alice"]].activity_kind is ActivityKind.SSO
    assert salesforce[U["bob"]].last_active is None  # a failure, and one past the retention
    assert salesforce[U["grace"]].last_active == _ago(4) and not salesforce[U["grace"]].assigned
    assert _app(observation, "Salesforce").history_horizon_days == 30
    assert "contoso.my.salesforce.com" in _app(observation, "Salesforce").aliases
    hubspot = _by_id(_app(observation, "HubSpot"))
    assert set(hubspot) == {U["alice"], U["erin"]}  # carol's sign-in is after the run clock
    assert all(account.assigned for account in hubspot.values())  # no assignment required
    # the Marketing group's users are holders: erin (and carol, also direct); dave is blocked; the
    # nested group and the device are no one
    assert salesforce[U["erin"]].assigned and salesforce[U["erin"]].last_active is None
    assert salesforce[U["dave"]].status is AccountStatus.DEACTIVATED
    assert not salesforce[U["dave"]].assigned
    assert set(salesforce) == {U[k] for k in ("alice", "bob", "carol", "dave", "erin", "grace")}
    assert not any("group assignments" in n for n in observation.notes)


async def test_without_group_member_permission_groups_are_a_note() -> None:
    data = testkit.sample_data()
    data.denied = {"/v1.0/groups"}
    observation = await _collect(_emulator(data).transport())
    salesforce = _by_id(_app(observation, "Salesforce"))
    assert U["erin"] not in salesforce
    notes = " | ".join(observation.notes)
    assert "groups/transitiveMembers refused (Authorization_RequestDenied)" in notes
    assert "GroupMember.Read.All" in notes
    assert "Salesforce: 1 group assignments not expanded" in notes


@pytest.mark.parametrize(
    ("extra", "lookback", "days"),
    [({}, 90, 30), ({"entra_premium": False}, 90, 7), ({}, 3, 3)],
)
async def test_sign_ins_are_never_asked_past_the_retention(
    extra: dict[str, Any], lookback: int, days: int
) -> None:
    emulator = _emulator()
    observation = await _collect(emulator.transport(), plugin=_plugin(**extra), lookback=lookback)
    asked = [urlsplit(path) for method, path in emulator.log if "/auditLogs/signIns" in path]
    assert asked
    for query in asked:
        clause = parse_qs(query.query)["$filter"][0]
        start = dt.datetime.fromisoformat(
            clause.split(" ge ")[1].split(" ")[0].replace("Z", "+00:00")
        )
        assert start == NOW - dt.timedelta(days=days)
    assert _app(observation, "Salesforce").history_horizon_days == days


async def test_free_tenant_degrades_to_usage_reports_with_notes() -> None:
    data = testkit.sample_data()
    data.premium = False
    observation = await _collect(_emulator(data).transport())
    notes = " | ".join(observation.notes)
    assert "users signInActivity needs Entra ID P1 or P2" in notes
    assert "auditLogs/signIns needs Entra ID P1 or P2" in notes
    e3 = _by_id(_app(observation, "SPE_E3"))
    # latest product activity of the active-user report (Exchange, OneDrive, SharePoint, Teams...)
    assert e3[U["bob"]].last_active == _day(20)
    assert e3[U["bob"]].activity_kind is ActivityKind.FEATURE
    assert e3[U["erin"]].last_active == _day(3)
    assert e3[U["carol"]].last_active is None
    assert _app(observation, "SPE_E3").history_horizon_days == 90
    # enterprise apps keep their assignments; their activity is unknown
    salesforce = _app(observation, "Salesforce")
    assert not salesforce.activity_known
    expected = {U[key] for key in ("alice", "bob", "carol", "dave", "erin")}  # with the group
    assert {a.id for a in salesforce.accounts or ()} == expected


# -- reports: the 302 and concealed names ------------------------------------------------------


async def test_report_downloads_never_carry_the_token() -> None:
    emulator = _emulator()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return emulator.handle(request)

    observation = await _collect(httpx.MockTransport(handler))
    downloads = [r for r in seen if r.url.host == "reports.office.test"]
    graph = [r for r in seen if r.url.host == "graph.microsoft.com"]
    assert len(downloads) == 2  # the Office 365 and Teams CSVs (Copilot answers JSON directly)
    assert all("authorization" not in r.headers for r in downloads)
    assert all(r.headers.get("authorization", "").startswith("Bearer ") for r in graph)
    tokens = {r.headers["authorization"][7:] for r in graph}
    assert not any(
        token in str(r.url) or token in str(r.headers) for r in downloads for token in tokens
    )
    assert _app(observation, "SPE_E3").features  # and the CSVs were read


async def test_the_download_host_refuses_a_request_that_brings_the_token() -> None:
    # The guard above is meaningful: a client that forwarded the header would fail here.
    emulator = _emulator()
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="https://graph.microsoft.com"
    ) as client:
        token = (
            await client.post(
                f"https://login.microsoftonline.com/{testkit.TENANT}/oauth2/v2.0/token",
                data={
                    "client_id": testkit.CLIENT_ID,
                    "client_secret": SECRET,
                    "grant_type": "client_credentials",
                    "scope": "https://graph.microsoft.com/.default",
                },
            )
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        redirect = await client.get(
            "/v1.0/reports/getOffice365ActiveUserDetail(period='D30')", headers=headers
        )
        assert redirect.status_code == 302
        refused = await client.get(redirect.headers["location"], headers=headers)
        assert refused.status_code == 403


async def test_concealed_names_are_detected_and_never_become_users() -> None:
    data = testkit.sample_data()
    data.concealed_names = True
    observation = await _collect(_emulator(data).transport())
    assert any("conceal user names" in note for note in observation.notes)
    copilot = _app(observation, "Microsoft_365_Copilot")
    assert not copilot.activity_known
    every_id = {a.id for app in observation.apps for a in app.accounts or ()}
    assert every_id <= set(U.values()), "no hashed name is a user"
    assert all(a.last_active is None for a in copilot.accounts or ())
    addon = next(
        f for f in _app(observation, "SPE_E3").features or () if f.feature == "ai-assistant"
    )
    # tenant-wide counts from the report rows: alice used Copilot within the period
    assert addon.active_users == 1 and addon.users is None


async def test_concealed_names_detected_from_the_rows_when_the_setting_is_unreadable() -> None:
    data = testkit.sample_data()
    data.concealed_names = True
    data.denied = {"/v1.0/admin/reportSettings"}
    observation = await _collect(_emulator(data).transport())
    notes = " | ".join(observation.notes)
    assert "ReportSettings.Read.All" in notes
    assert "conceal user names" in notes


# -- integrations ------------------------------------------------------------------------------


async def test_oauth_grants_become_edges_of_the_suite() -> None:
    observation = await _collect(_emulator().transport())
    edges = {edge.app: edge for edge in _app(observation, "SPE_E3").integrations or ()}
    assert set(edges) == {"Jasper", "Zapier"}  # Graph Explorer is Microsoft's own
    assert (edges["Zapier"].direction, edges["Zapier"].active_users) == ("both", 2)
    assert (edges["Jasper"].direction, edges["Jasper"].active_users) == ("out", None)
    assert _app(observation, "POWER_BI_PRO").integrations is None


async def test_a_missing_permission_is_a_note_naming_it() -> None:
    data = testkit.sample_data()
    data.denied = {"/v1.0/oauth2PermissionGrants"}
    observation = await _collect(_emulator(data).transport())
    assert _app(observation, "SPE_E3").integrations is None
    note = next(n for n in observation.notes if n.startswith("oauth2PermissionGrants"))
    assert "Authorization_RequestDenied" in note and "Directory.Read.All" in note


async def test_without_audit_log_permission_users_come_without_sign_in_activity() -> None:
    data = testkit.sample_data()
    data.denied = {"signInActivity", "/v1.0/auditLogs"}
    observation = await _collect(_emulator(data).transport())
    notes = " | ".join(observation.notes)
    assert "users signInActivity refused (Authorization_RequestDenied)" in notes
    assert "AuditLog.Read.All" in notes
    e3 = _by_id(_app(observation, "SPE_E3"))
    assert set(e3) == {U["alice"], U["bob"], U["carol"], U["dave"], U["erin"]}
    assert e3[U["bob"]].activity_kind is ActivityKind.FEATURE  # from the usage report instead


@pytest.mark.parametrize(
    ("part", "kind"),
    [
        ("Microsoft_365_Copilot", "copilot"),
        ("M365_Copilot", "copilot"),
        ("Microsoft_365_Copilot_EDU", "copilot"),
        ("Microsoft_Copilot_Studio_Viral", "other"),
        ("POWER_BI_PRO", "other"),
    ],
)
def test_which_skus_are_copilot(part: str, kind: str) -> None:
    from stacktrack_microsoft_graph.models import SubscribedSku
    from stacktrack_microsoft_graph.plugin import sku_kind

    assert sku_kind(SubscribedSku(skuId="x", skuPartNumber=part)) == kind


async def test_a_required_call_refused_fails_naming_code_and_permission() -> None:
    data = testkit.sample_data()
    data.denied = {"/v1.0/subscribedSkus"}
    with pytest.raises(AuthenticationError) as caught:
        await _collect(_emulator(data).transport())
    message = str(caught.value)
    assert "Authorization_RequestDenied" in message and "Organization.Read.All" in message
    assert "Insufficient privileges" in message


async def test_graph_error_bodies_are_surfaced() -> None:
    emulator = _emulator()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1.0/users":
            return httpx.Response(
                400,
                json={
                    "error": {"code": "Request_UnsupportedQuery", "message": "Unsupported Query."}
                },
            )
        return emulator.handle(request)

    with pytest.raises(PluginError) as caught:
        await _collect(httpx.MockTransport(handler))
    assert "Request_UnsupportedQuery: Unsupported Query." in str(caught.value)


# -- auth --------------------------------------------------------------------------------------


async def test_token_cached_for_its_lifetime_and_refreshed_once_on_401() -> None:
    emulator = _emulator()
    plugin = _plugin()
    async with build_client(plugin, transport=emulator.transport()) as client:
        ctx = CollectContext(source=SOURCE, now=NOW)
        await plugin.collect(client, ctx)
        assert emulator.tokens_issued == 1 and emulator.requests > 20
        emulator.expire_tokens()  # revoked or lapsed early: the next call gets 401
        again = await plugin.collect(client, ctx)
    assert emulator.tokens_issued == 2
    assert _app(again, "SPE_E3").seats_purchased == 10


async def test_a_401_after_a_fresh_token_is_an_authentication_error() -> None:
    emulator = _emulator()
    graph_calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/v2.0/token"):
            return emulator.handle(request)
        graph_calls.append(request.url.path)
        return emulator.unauthorized(request)  # Graph rejects every token

    with pytest.raises(AuthenticationError):
        await _collect(httpx.MockTransport(handler))
    # each request is retried once with a fresh token, never more: no refresh loop
    counts = [graph_calls.count(path) for path in set(graph_calls)]
    assert 2 in counts and max(counts) == 2
    assert emulator.tokens_issued <= 1 + len(counts)


async def test_wrong_secret_names_the_identity_platform_error_without_the_secret() -> None:
    with pytest.raises(AuthenticationError) as caught:
        await _collect(_emulator().transport(), plugin=_plugin(client_secret="not-the-secret-xyz"))
    assert "invalid_client" in str(caught.value) and "AADSTS7000215" in str(caught.value)
    assert "not-the-secret-xyz" not in str(caught.value)


async def test_token_endpoint_is_overridable() -> None:
    emulator = _emulator()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return emulator.handle(request)

    plugin = _plugin(
        authority_url="https://login.microsoftonline.us",
        scope="https://graph.microsoft.us/.default",
    )
    await _collect(httpx.MockTransport(handler), plugin=plugin)
    assert seen[0] == f"https://login.microsoftonline.us/{testkit.TENANT}/oauth2/v2.0/token"


def test_the_client_secret_never_goes_to_a_plain_http_token_endpoint() -> None:
    with pytest.raises(ValueError, match="authority_url uses plain http://"):
        _plugin(authority_url="http://login.example.test")
    assert _plugin(authority_url="http://127.0.0.1:8765/microsoft_graph").settings


def test_settings_need_client_credentials_or_a_token() -> None:
    with pytest.raises(ValueError, match="client_id and client_secret"):
        MicrosoftGraphPlugin.settings_model.model_validate(
            {"plugin": "microsoft_graph", "tenant": testkit.TENANT, "client_id": testkit.CLIENT_ID}
        )


@pytest.mark.parametrize(("lookback", "period"), [(1, 7), (7, 7), (8, 30), (90, 90), (365, 180)])
def test_report_period_covers_the_lookback(lookback: int, period: int) -> None:
    assert report_period(lookback) == period
