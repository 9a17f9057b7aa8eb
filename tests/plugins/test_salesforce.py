"""The ``salesforce`` plugin against its emulator: figures computed by hand from the sample org."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from stacktrack_salesforce import testkit
from stacktrack_salesforce.emulator import SalesforceEmulator, parse_where
from stacktrack_salesforce.plugin import SalesforcePlugin, SalesforceSettings

from stacktrack.http import build_client
from stacktrack.plugin_api import (
    AuthenticationError,
    BadResponse,
    CollectContext,
    Observation,
    RateLimitExhausted,
)
from stacktrack.testing.conformance import Harness

SOURCE = "sfdc-prod"
TOKEN = "00Dxx0000000001!AR8AQJsecret-access-token"
BASE = "https://acme.my.salesforce.test/salesforce"
NOW = testkit.NOW


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


KIT = Harness(testkit, source=SOURCE, token=TOKEN, base_url=BASE)


def make_plugin(table: dict[str, Any]) -> SalesforcePlugin:
    return KIT.plugin(table=table)  # type: ignore[no-any-return]


async def run(plugin: SalesforcePlugin, emulator: SalesforceEmulator) -> Observation:
    return await KIT.collect(emulator.transport(), plugin=plugin)


async def collect(emulator: SalesforceEmulator, **extra: Any) -> Observation:
    return await KIT.collect(emulator.transport(), plugin=KIT.plugin(**extra))


async def collect_with(emulator: SalesforceEmulator, transport: httpx.MockTransport) -> Observation:
    return await KIT.collect(transport)


@pytest.fixture
def emulator() -> SalesforceEmulator:
    # Mounted under a prefix, as in the sandbox server: nextRecordsUrl must carry it.
    return SalesforceEmulator(testkit.sample_data(), token=TOKEN, prefix="/salesforce")


async def test_seats_accounts_and_last_login(emulator: SalesforceEmulator) -> None:
    observation = await collect(emulator)
    assert observation.notes == []
    (app,) = observation.apps
    assert app.app is None
    assert (app.seats_purchased, app.seats_used) == (10, 5)  # the "Salesforce" UserLicense only
    assert app.activity_known is True
    assert app.history_horizon_days is None
    last = {account.id: account.last_active for account in app.accounts or []}
    # Active users of the Salesforce license; Ed (deactivated), Fay, Gus (other licenses) excluded.
    assert last == {
        "005xx0000000001AAA": ago(2),
        "005xx0000000002AAA": ago(45),
        "005xx0000000003AAA": None,  # LastLoginDate null: never logged in
        "005xx0000000004AAA": ago(10),
        "005xx0000000008AAA": ago(1),
    }
    assert {account.id for account in app.accounts or []} == testkit.expected_assigned(
        emulator.data
    )[None]
    hal = next(a for a in app.accounts or [] if a.id == "005xx0000000008AAA")
    assert hal.email == "hal@acme.test"
    assert all(
        a.assigned and a.status == "active" and a.activity_kind == "login"
        for a in app.accounts or []
    )


async def test_oauth_tokens_become_integrations_per_app(emulator: SalesforceEmulator) -> None:
    (app,) = (await collect(emulator)).apps
    found = {
        i.app: (i.kind, i.last_used, i.use_count, i.active_users) for i in app.integrations or []
    }
    assert found == {
        # three grants by two users: latest use, summed count (18234 + 100 + 6), distinct users
        "HubSpot": ("oauth_token", ago(1), 18340, 2),
        "Outreach": ("oauth_token", ago(200), 12, 1),  # stale: unused for 200 days
        "Data Loader": ("oauth_token", None, None, 1),  # no recorded use: unknown, not zero
    }


async def test_every_query_follows_next_records_url(emulator: SalesforceEmulator) -> None:
    await collect(emulator)
    more = [path for _, path in emulator.log if "/query/" in path]
    # 3 licenses -> 2 pages, 5 users -> 3 pages, 5 tokens -> 3 pages (page size 2); feature
    # licences 3 (2 pages), assigns 3 (2), PSL metrics 2 (1), feature metrics 3 (2), packages 3 (2),
    # package users 2 (1)
    assert len(more) == 1 + 2 + 2 + 1 + 1 + 0 + 1 + 1 + 0
    assert all(path.startswith("/salesforce/services/data/v60.0/query/") for path in more)
    objects = [urllib.parse.unquote_plus(q).split(" FROM ")[1].split()[0] for q in emulator.queries]
    assert objects[:3] == ["UserLicense", "User", "OauthToken"]
    assert sorted(objects[3:]) == [
        "ActiveFeatureLicenseMetric",
        "ActivePermSetLicenseMetric",
        "PackageLicense",
        "PermissionSetLicense",
        "PermissionSetLicenseAssign",
        "UserPackageLicense",
    ]


async def test_feature_licences_become_features_with_their_own_seats(
    emulator: SalesforceEmulator,
) -> None:
    observation = await collect(emulator)
    (app,) = observation.apps
    found = {
        f.feature: (f.seats_purchased, f.seats_assigned, f.active_users, f.window_days)
        for f in app.features or []
    }
    assert found == testkit.FEATURES
    assert observation.notes == []
    # A licence metric counts every holder's activity; a package seat list counts nobody's.
    every = {f.feature: f.every_user for f in app.features or []}
    assert every == {
        feature: (True if active is not None else None)
        for feature, (_bought, _held, active, _days) in testkit.FEATURES.items()
    }


async def test_metrics_are_read_newest_day_first(emulator: SalesforceEmulator) -> None:
    await collect(emulator)
    metric_soql = [q for q in emulator.queries if "Metric" in q]
    assert metric_soql and all("ORDER BY MetricsDate DESC" in q for q in metric_soql)


async def test_a_feature_object_the_org_lacks_is_a_note(emulator: SalesforceEmulator) -> None:
    emulator.data.hidden_objects = frozenset({"activepermsetlicensemetric"})
    emulator.data.denied_objects = frozenset({"packagelicense"})
    observation = await collect(emulator)
    (app,) = observation.apps
    found = {f.feature: (f.active_users, f.window_days) for f in app.features or []}
    assert found["Sales Cloud Einstein"] == (None, None)  # seats still known, activity not
    (einstein,) = [f for f in app.features or [] if f.feature == "Sales Cloud Einstein"]
    assert einstein.every_user is None  # without the metric nobody's use is seen
    assert "dsfs" not in found
    assert any("ActivePermSetLicenseMetric" in n and "INVALID_TYPE" in n for n in observation.notes)
    assert any(
        "PackageLicense" in n and "View Setup and Configuration" in n for n in observation.notes
    )
    assert app.accounts  # the rest of the source is untouched


async def test_every_feature_object_refused_leaves_features_unknown(
    emulator: SalesforceEmulator,
) -> None:
    emulator.data.denied_objects = frozenset(
        {
            "permissionsetlicense",
            "permissionsetlicenseassign",
            "activepermsetlicensemetric",
            "activefeaturelicensemetric",
            "packagelicense",
            "userpackagelicense",
        }
    )
    (app,) = (await collect(emulator)).apps
    assert app.features is None  # unknown, not "no features"


async def test_an_org_without_api_access_is_a_note_not_a_failure(
    emulator: SalesforceEmulator,
) -> None:
    emulator.data.api_enabled = False
    observation = await collect(emulator)
    (app,) = observation.apps
    assert app.accounts is None and app.features is None and app.integrations is None
    [note] = observation.notes
    assert "API_DISABLED_FOR_ORG" in note and "Professional Edition with the API add-on" in note


async def test_only_active_users_of_the_licenses_are_queried(emulator: SalesforceEmulator) -> None:
    await collect(emulator)
    user_soql = next(q for q in emulator.queries if " FROM User " in q)
    assert "IsActive = true" in user_soql
    assert "Profile.UserLicense.Name IN ('Salesforce')" in user_soql


async def test_license_names_setting(emulator: SalesforceEmulator) -> None:
    (app,) = (await collect(emulator, license_names=["Salesforce", "salesforce platform"])).apps
    assert (app.seats_purchased, app.seats_used) == (15, 6)
    assert "005xx0000000006AAA" in {a.id for a in app.accounts or []}
    assert len(app.accounts or []) == 6


async def test_license_name_with_a_quote_is_escaped(emulator: SalesforceEmulator) -> None:
    emulator.data.user_licenses.append(
        testkit.user_license("100xx0000000009AAA", "O'Brien \\ Co", 3, 1)
    )
    emulator.data.users.append(
        testkit.user("005xx0000000009AAA", "ob@acme.test", "O B", license_name="O'Brien \\ Co")
    )
    (app,) = (await collect(emulator, license_names=["O'Brien \\ Co"])).apps
    assert (app.seats_purchased, app.seats_used) == (3, 1)
    assert [a.id for a in app.accounts or []] == ["005xx0000000009AAA"]


async def test_unknown_license_name_leaves_seats_unknown_with_a_note(
    emulator: SalesforceEmulator,
) -> None:
    observation = await collect(emulator, license_names=["Sales Cloud Unlimited"])
    (app,) = observation.apps
    assert app.seats_purchased is None and app.seats_used is None
    assert app.accounts == []
    (note,) = observation.notes
    assert "Sales Cloud Unlimited" in note and "Chatter Free" in note and "license_names" in note


async def test_unknown_total_is_none_not_zero(emulator: SalesforceEmulator) -> None:
    emulator.data.user_licenses[0]["TotalLicenses"] = None
    (app,) = (await collect(emulator)).apps
    assert app.seats_purchased is None
    assert app.seats_used == 5


async def test_client_credentials_fetch_the_token_once(emulator: SalesforceEmulator) -> None:
    plugin = make_plugin(
        {
            "plugin": "salesforce",
            "client_id": "test-client-id",
            "client_secret": "test-client-secret",
        }
    )
    observation = await run(plugin, emulator)
    assert emulator.token_requests == 1
    assert len(observation.apps[0].accounts or []) == 5
    posts = [path for method, path in emulator.log if method == "POST"]
    assert posts == ["/salesforce/services/oauth2/token"]
    assert "secret" not in repr(plugin.auth())


async def test_client_credentials_refresh_once_when_the_session_expires(
    emulator: SalesforceEmulator,
) -> None:
    plugin = make_plugin(
        {
            "plugin": "salesforce",
            "client_id": "test-client-id",
            "client_secret": "test-client-secret",
        }
    )
    async with build_client(plugin, transport=emulator.transport()) as client:
        ctx = CollectContext(source=SOURCE, now=NOW)
        await plugin.collect(client, ctx)
        emulator.token = "a-new-session-token"  # the old session is now INVALID_SESSION_ID
        observation = await plugin.collect(client, ctx)
    assert emulator.token_requests == 2
    assert len(observation.apps[0].accounts or []) == 5


async def test_wrong_client_secret_is_an_authentication_error(emulator: SalesforceEmulator) -> None:
    plugin = make_plugin(
        {
            "plugin": "salesforce",
            "client_id": "test-client-id",
            "client_secret": "wrong-secret-value",
        }
    )
    with pytest.raises(AuthenticationError) as caught:
        await run(plugin, emulator)
    assert caught.value.source == SOURCE
    assert "invalid_client" in caught.value.message
    assert "wrong-secret-value" not in str(caught.value)
    assert emulator.token_requests == 1


async def test_rejected_token_names_the_source(emulator: SalesforceEmulator) -> None:
    emulator.token = "another-token"
    with pytest.raises(AuthenticationError) as caught:
        await collect(emulator)
    error = caught.value
    assert error.source == SOURCE and str(error).startswith(f"{SOURCE}: ")
    assert error.status_code == 401
    assert "INVALID_SESSION_ID" in error.message
    assert TOKEN not in str(error)


async def test_request_limit_exceeded_is_a_clear_rate_limit_error_not_retried(
    emulator: SalesforceEmulator,
) -> None:
    emulator.force_throttle = 1
    with pytest.raises(RateLimitExhausted) as caught:
        await collect(emulator)
    error = caught.value
    assert error.source == SOURCE and error.status_code == 403
    assert "REQUEST_LIMIT_EXCEEDED" in error.message
    assert "API request limit" in error.message and "24 hours" in error.message
    assert emulator.requests == 1  # not retried: it would only spend more of the allocation
    assert testkit.RATE_LIMIT_RETRYABLE is False


async def test_rate_limit_in_a_later_query_is_mapped_too(emulator: SalesforceEmulator) -> None:
    original = emulator.route

    def limit_oauth_queries(request: httpx.Request) -> httpx.Response:
        if "OauthToken" in request.url.params.get("q", ""):
            return emulator.rate_limited(request, 0)
        return original(request)

    emulator.route = limit_oauth_queries  # type: ignore[method-assign]
    with pytest.raises(RateLimitExhausted, match="OauthToken query"):
        await collect(emulator)


async def test_repeated_next_records_url_raises(emulator: SalesforceEmulator) -> None:
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse, match="pagination loop"):
        await collect(emulator)


async def test_malformed_record_is_a_bad_response(emulator: SalesforceEmulator) -> None:
    emulator.data.user_licenses[0]["TotalLicenses"] = "lots"
    with pytest.raises(BadResponse, match="UserLicense"):
        await collect(emulator)


async def test_non_json_body_is_a_bad_response(emulator: SalesforceEmulator) -> None:
    emulator.route = lambda request: httpx.Response(200, content=b"<html>maintenance")  # type: ignore[method-assign]
    with pytest.raises(BadResponse):
        await collect(emulator)


def test_settings_need_exactly_one_credential() -> None:
    base = {"plugin": "salesforce", "base_url": BASE}
    with pytest.raises(ValidationError, match="token"):
        SalesforceSettings.model_validate(base)
    with pytest.raises(ValidationError, match="not both"):
        SalesforceSettings.model_validate(
            {**base, "token": "t", "client_id": "i", "client_secret": "s"}
        )
    with pytest.raises(ValidationError, match="client_secret"):
        SalesforceSettings.model_validate({**base, "client_id": "i"})
    with pytest.raises(ValidationError):
        SalesforceSettings.model_validate({**base, "token": "t", "apiversion": "v60.0"})
    with pytest.raises(ValidationError):
        SalesforceSettings.model_validate({**base, "token": "t", "api_version": "60"})
    settings = SalesforceSettings.model_validate({**base, "client_id": "i", "client_secret": "s"})
    assert settings.license_names == ["Salesforce"] and settings.api_version == "v60.0"
    assert "s'" not in repr(settings) and "'i'" not in repr(settings)


async def test_api_version_setting_is_used(emulator: SalesforceEmulator) -> None:
    await collect(emulator, api_version="v61.0")
    assert all("/services/data/v61.0/query" in path for _, path in emulator.log)


def test_emulator_where_parser() -> None:
    assert parse_where(r"IsActive = true AND Name IN ('a\'b', 'c') AND X != null") == [
        ("IsActive", "=", True),
        ("Name", "IN", ["a'b", "c"]),
        ("X", "!=", None),
    ]
    with pytest.raises(ValueError):
        parse_where("IsActive = true OR Name = 'x'")


def test_emulator_rejects_unsupported_soql() -> None:
    emulator = SalesforceEmulator(testkit.sample_data())
    client = httpx.Client(transport=emulator.transport(), base_url="https://x.test")
    headers = {"Authorization": "Bearer test-token"}
    bad = client.get(
        "/services/data/v60.0/query",
        params={"q": "SELECT Id FROM User WHERE A LIKE 'x%'"},
        headers=headers,
    )
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "MALFORMED_QUERY"
    unknown = client.get(
        "/services/data/v60.0/query", params={"q": "SELECT Id FROM Lead"}, headers=headers
    )
    assert unknown.status_code == 400 and unknown.json()[0]["errorCode"] == "INVALID_TYPE"
    page = client.get(
        "/services/data/v60.0/query", params={"q": "SELECT Id FROM User"}, headers=headers
    )
    assert set(page.json()["records"][0]) == {"attributes", "Id"}  # only selected fields come back
    assert page.headers["Sforce-Limit-Info"].startswith("api-usage=")


async def test_next_records_url_on_another_host_is_refused(emulator: SalesforceEmulator) -> None:
    seen_hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen_hosts.append(request.url.host)
        response = emulator.handle(request)
        body = response.json()
        if isinstance(body, dict) and body.get("nextRecordsUrl"):
            body["nextRecordsUrl"] = "https://collector.evil.test" + body["nextRecordsUrl"]
            return httpx.Response(200, json=body)
        return response

    with pytest.raises(BadResponse, match="off the instance"):
        await collect_with(emulator, httpx.MockTransport(handler))
    assert set(seen_hosts) == {"acme.my.salesforce.test"}
