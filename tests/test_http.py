"""The client's retries, waits and paginators (respx-mocked HTTP)."""

from __future__ import annotations

import datetime as dt
import email.utils

import httpx
import pytest
import respx

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.http import (
    RetryingTransport,
    RetryPolicy,
    build_client,
    redact,
    retry_after_seconds,
)
from stacktrack.paging import (
    get_json,
    paginate_body_cursor,
    paginate_link_header,
    paginate_next_url,
)
from stacktrack.plugin_api import CollectContext, Observation, Plugin, PluginSettings

BASE = "https://vendor.test"


class _Plugin(Plugin):
    name = "test"
    title = "Test"

    async def collect(self, client: httpx.AsyncClient, ctx: CollectContext) -> Observation:
        raise NotImplementedError


def _client(policy: RetryPolicy | None = None) -> tuple[httpx.AsyncClient, list[float]]:
    """A client whose retry waits are recorded instead of slept."""
    plugin = _Plugin("src", PluginSettings(plugin="test", base_url=BASE, token="tok-abcdef"))
    return build_client(plugin, policy=policy or RetryPolicy(wait_initial=0.01)), []


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record stamina's waits without sleeping them."""
    recorded: list[float] = []

    async def fake_sleep(delay: float) -> None:
        recorded.append(delay)

    import stamina._core

    monkeypatch.setattr(stamina._core, "_smart_sleep", fake_sleep)
    return recorded


@respx.mock
async def test_429_with_retry_after_then_200(sleeps: list[float]) -> None:
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    client, _ = _client()
    async with client:
        assert await get_json(client, "/x", source="src") == {"ok": 1}
    assert route.call_count == 2
    assert sleeps == [7.0]
    assert route.calls[0].request.headers["authorization"] == "Bearer tok-abcdef"


@respx.mock
async def test_503_twice_then_200_backs_off_exponentially(sleeps: list[float]) -> None:
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[httpx.Response(503), httpx.Response(503), httpx.Response(200, json=[])]
    )
    client, _ = _client(RetryPolicy(wait_initial=0.5))
    async with client:
        assert await get_json(client, "/x", source="src") == []
    assert route.call_count == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 0.625 and 1.0 <= sleeps[1] <= 1.25  # exponential, 25% jitter


@respx.mock
async def test_huge_retry_after_is_capped_and_gives_up(sleeps: list[float]) -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(429, headers={"Retry-After": "86400"}))
    client, _ = _client(RetryPolicy(wait_max=30, total_wait_max=60, attempts=10))
    async with client:
        with pytest.raises(RateLimitExhausted):
            await get_json(client, "/x", source="src")
    assert sleeps == [30.0, 30.0]  # never the 24 hours asked for
    assert sum(sleeps) <= 60


@respx.mock
async def test_long_retry_after_is_honoured_while_the_budget_allows(sleeps: list[float]) -> None:
    # Slack's Tier-2 methods ask for about a minute; waiting 30 s and asking again only burns a try.
    route = respx.get(f"{BASE}/x").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "61"}),
            httpx.Response(200, json={"ok": 1}),
        ]
    )
    client, _ = _client(RetryPolicy(wait_max=30, total_wait_max=60, budget_seconds=600))
    async with client:
        assert await get_json(client, "/x", source="src") == {"ok": 1}
    assert route.call_count == 2
    assert sleeps == [61.0]


@respx.mock
async def test_retry_after_past_the_budget_keeps_the_caps(sleeps: list[float]) -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(429, headers={"Retry-After": "700"}))
    client, _ = _client(RetryPolicy(wait_max=30, total_wait_max=60, budget_seconds=600))
    async with client:
        with pytest.raises(RateLimitExhausted):
            await get_json(client, "/x", source="src")
    assert sleeps == [30.0, 30.0]


def test_default_policy_carries_the_source_budget() -> None:
    plugin = _Plugin(
        "src", PluginSettings(plugin="test", base_url=BASE, token="tok-abcdef", budget_seconds=120)
    )
    client = build_client(plugin)
    transport = client._transport
    assert isinstance(transport, RetryingTransport)
    assert transport._policy.budget_seconds == 120


@respx.mock
async def test_connect_error_is_retried_then_reported(sleeps: list[float]) -> None:
    respx.get(f"{BASE}/x").mock(side_effect=httpx.ConnectError("boom"))
    client, _ = _client(RetryPolicy(attempts=3, wait_initial=0.1))
    async with client:
        with pytest.raises(PluginError, match="network error"):
            await get_json(client, "/x", source="src")
    assert len(sleeps) == 2


@respx.mock
async def test_401_is_an_authentication_error_without_retry(sleeps: list[float]) -> None:
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(401, json={"error": "nope"}))
    client, _ = _client()
    async with client:
        with pytest.raises(AuthenticationError) as caught:
            await get_json(client, "/x", source="src")
    assert caught.value.source == "src" and caught.value.status_code == 401
    assert route.call_count == 1 and sleeps == []


@respx.mock
async def test_malformed_json_is_a_bad_response() -> None:
    respx.get(f"{BASE}/x").mock(return_value=httpx.Response(200, content=b'{"users": [1, 2'))
    client, _ = _client()
    async with client:
        with pytest.raises(BadResponse, match="not valid JSON"):
            await get_json(client, "/x", source="src")


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = email.utils.format_datetime(dt.datetime.fromtimestamp(now + 42, dt.UTC), usegmt=True)
    assert retry_after_seconds({"retry-after": date}, now=now) == pytest.approx(42, abs=1)
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


@respx.mock
async def test_link_header_pagination_and_repeated_link_guard() -> None:
    respx.get(f"{BASE}/items", params={"after": "2"}).mock(
        return_value=httpx.Response(
            200, json=[3], headers={"Link": f'<{BASE}/items?after=2>; rel="next"'}
        )
    )
    respx.get(f"{BASE}/items").mock(
        return_value=httpx.Response(
            200, json=[1, 2], headers={"Link": f'<{BASE}/items?after=2>; rel="next"'}
        )
    )
    client, _ = _client()
    pages = []
    async with client:
        with pytest.raises(BadResponse, match="pagination loop"):
            async for page in paginate_link_header(client, "/items", source="src"):
                pages.append(page)
    assert pages == [[1, 2], [3]]


@respx.mock
async def test_body_cursor_pagination_follows_and_guards() -> None:
    respx.get(f"{BASE}/c", params={"cursor": "b"}).mock(
        return_value=httpx.Response(200, json={"d": [2], "next": ""})
    )
    respx.get(f"{BASE}/c").mock(return_value=httpx.Response(200, json={"d": [1], "next": "b"}))
    client, _ = _client()
    async with client:
        pages = [
            p
            async for p in paginate_body_cursor(
                client, "/c", source="src", cursor_param="cursor", next_cursor=lambda b: b["next"]
            )
        ]
    assert [p["d"] for p in pages] == [[1], [2]]

    respx.get(f"{BASE}/loop").mock(return_value=httpx.Response(200, json={"next": "same"}))
    client, _ = _client()
    async with client:
        with pytest.raises(BadResponse, match="repeated cursor"):
            async for _ in paginate_body_cursor(
                client, "/loop", source="src", cursor_param="c", next_cursor=lambda b: b["next"]
            ):
                pass


@respx.mock
async def test_next_url_pagination_guard() -> None:
    respx.get(f"{BASE}/q").mock(
        return_value=httpx.Response(200, json={"nextRecordsUrl": "/q/01g-2"})
    )
    respx.get(f"{BASE}/q/01g-2").mock(
        return_value=httpx.Response(200, json={"nextRecordsUrl": "/q/01g-2"})
    )
    client, _ = _client()
    async with client:
        with pytest.raises(BadResponse, match="repeated a next URL"):
            async for _ in paginate_next_url(
                client, "/q", source="src", next_url=lambda b: b.get("nextRecordsUrl")
            ):
                pass


def test_redact_removes_every_secret() -> None:
    text = "Authorization: Bearer tok-abcdef failed for tok-abcdef-longer"
    assert "tok-abcdef" not in redact(text, ["tok-abcdef", "tok-abcdef-longer"])


@respx.mock
async def test_parse_validates_pages_from_bytes_and_types_its_errors() -> None:
    from pydantic import BaseModel, TypeAdapter

    class Item(BaseModel):
        id: int

    parse = TypeAdapter(list[Item]).validate_json
    respx.get(f"{BASE}/ok").mock(return_value=httpx.Response(200, json=[{"id": 1, "junk": "x"}]))
    respx.get(f"{BASE}/shape").mock(
        return_value=httpx.Response(200, json=[{"id": 1}, {"id": "two"}])
    )
    respx.get(f"{BASE}/broken").mock(return_value=httpx.Response(200, content=b'[{"id": 1'))
    client, _ = _client()
    async with client:
        pages = [p async for p in paginate_link_header(client, "/ok", source="src", parse=parse)]
        assert pages == [[Item(id=1)]]
        with pytest.raises(BadResponse, match=r"unexpected shape \(at 1.id\)"):
            async for _ in paginate_link_header(client, "/shape", source="src", parse=parse):
                pass
        with pytest.raises(BadResponse, match="not valid JSON"):
            async for _ in paginate_link_header(client, "/broken", source="src", parse=parse):
                pass
