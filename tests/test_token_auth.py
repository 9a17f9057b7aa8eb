"""The shared client-credentials auth (``stacktrack.plugin_api.ClientCredentialsAuth``) over httpx's
real auth machinery: one token per source, one refresh, and every token-endpoint failure typed."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from stacktrack.plugin_api import (
    AuthenticationError,
    BadResponse,
    ClientCredentialsAuth,
    PluginError,
    RateLimitExhausted,
)

SECRET = "s3cr3t-client-secret"
TOKEN_URL = "https://id.test/oauth/token"


class _Auth(ClientCredentialsAuth):
    endpoint = "Acme's token endpoint"
    refused_hint = "check client_id and client_secret"

    def token_request(self) -> httpx.Request:
        return httpx.Request("POST", TOKEN_URL, data={"client_secret": SECRET})


class _Vendor:
    """A token endpoint and an API that accepts only the newest token (older ones have expired)."""

    def __init__(self, token_answers: list[httpx.Response] | None = None) -> None:
        self.token_answers = token_answers
        self.issued: list[str] = []
        self.api_calls: list[str | None] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url == TOKEN_URL:
            if self.token_answers:
                return self.token_answers.pop(0)
            self.issued.append(f"token-{len(self.issued) + 1}")
            return httpx.Response(200, json={"access_token": self.issued[-1], "expires_in": 3600})
        self.api_calls.append(request.headers.get("authorization"))
        if self.issued and request.headers.get("authorization") == f"Bearer {self.issued[-1]}":
            return httpx.Response(200, json={"ok": True})
        return httpx.Response(401, json={"message": "token expired"})


def _client(vendor: _Vendor, auth: ClientCredentialsAuth) -> httpx.AsyncClient:
    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url == TOKEN_URL:
            await asyncio.sleep(0.01)  # a token takes a round trip: concurrent requests overlap it
        return vendor.handle(request)

    return httpx.AsyncClient(
        transport=httpx.MockTransport(handle), auth=auth, base_url="https://api.test"
    )


async def test_concurrent_first_requests_share_one_token() -> None:
    vendor, auth = _Vendor(), _Auth("acme")
    async with _client(vendor, auth) as client:
        answers = await asyncio.gather(*(client.get(f"/users/{n}") for n in range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert vendor.issued == ["token-1"] and auth.fetches == 1
    assert set(vendor.api_calls) == {"Bearer token-1"}


async def test_an_expired_token_is_replaced_once_and_the_request_replayed() -> None:
    vendor, auth = _Vendor(), _Auth("acme")
    async with _client(vendor, auth) as client:
        assert (await client.get("/a")).status_code == 200
        vendor.issued.append("rotated-by-the-vendor")  # the cached token-1 no longer works
        answer = await client.get("/b")
    assert answer.status_code == 200
    assert auth.fetches == 2 and vendor.issued[-1] == "token-3"
    assert vendor.api_calls == ["Bearer token-1", "Bearer token-1", "Bearer token-3"]


async def test_a_refused_fresh_token_is_replaced_once_never_more() -> None:
    class Refusing(_Vendor):
        def handle(self, request: httpx.Request) -> httpx.Response:
            if request.url != TOKEN_URL:
                self.api_calls.append(request.headers.get("authorization"))
                return httpx.Response(401, json={"message": "no scope"})
            return super().handle(request)

    vendor, auth = Refusing(), _Auth("acme")
    async with _client(vendor, auth) as client:
        answer = await client.get("/a")
    assert answer.status_code == 401  # it stands: the caller's request_json names the source
    assert auth.fetches == 2 and vendor.api_calls == ["Bearer token-1", "Bearer token-2"]


async def test_a_token_past_its_lifetime_is_renewed_before_use() -> None:
    now = [1000.0]
    vendor, auth = _Vendor(), _Auth("acme", clock=lambda: now[0])
    async with _client(vendor, auth) as client:
        await client.get("/a")
        now[0] += 3600 - 61  # still more than a minute left: kept
        await client.get("/b")
        now[0] += 2  # less than a minute left: renewed before the request leaves
        await client.get("/c")
    assert vendor.api_calls == ["Bearer token-1", "Bearer token-1", "Bearer token-2"]


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (
            httpx.Response(401, json={"error": "invalid_client", "error_description": SECRET}),
            AuthenticationError,
            ["Acme's token endpoint refused", "HTTP 401 invalid_client", "check client_id"],
        ),
        (httpx.Response(400, text="<html>no</html>"), AuthenticationError, ["(HTTP 400)"]),
        (httpx.Response(429), RateLimitExhausted, ["kept answering 429"]),
        (httpx.Response(503), PluginError, ["answered HTTP 503"]),
        (httpx.Response(200, text="{not json"), BadResponse, ["answered invalid JSON"]),
        (httpx.Response(200, json={"token": "x"}), BadResponse, ["at access_token"]),
        (httpx.Response(200, json={"access_token": ""}), BadResponse, ["at access_token"]),
        (httpx.Response(200, json=["access_token"]), BadResponse, ["unexpected shape"]),
    ],
)
async def test_token_endpoint_failures_are_typed_and_name_the_source(
    answer: httpx.Response, error: type[PluginError], words: list[str]
) -> None:
    vendor, auth = _Vendor([answer]), _Auth("acme")
    async with _client(vendor, auth) as client:
        with pytest.raises(PluginError) as caught:
            await client.get("/a")
    assert type(caught.value) is error
    assert caught.value.source == "acme"
    assert all(word in caught.value.message for word in words), caught.value.message
    assert SECRET not in caught.value.message and vendor.api_calls == []


async def test_a_vendor_check_of_the_token_answer_runs_before_the_token_is_used() -> None:
    class Coded(_Auth):
        def check_token_answer(self, body: Any) -> None:
            if body.get("errors"):
                raise RateLimitExhausted(self.source, f"{self.endpoint} said {body['errors']}")

    vendor = _Vendor([httpx.Response(200, json={"access_token": "t", "errors": ["607"]})])
    async with _client(vendor, Coded("acme")) as client:
        with pytest.raises(RateLimitExhausted, match=r"said \['607'\]"):
            await client.get("/a")
    assert vendor.api_calls == []


def test_the_repr_shows_no_secret_and_a_sync_client_is_refused() -> None:
    auth = _Auth("acme")
    assert SECRET not in repr(auth) and "***" in repr(auth)
    transport = httpx.MockTransport(_Vendor().handle)
    with (
        httpx.Client(transport=transport, auth=auth) as client,
        pytest.raises(RuntimeError, match="async client"),
    ):
        client.get("https://api.test/a")


async def test_a_token_with_little_time_left_is_kept_for_half_of_it() -> None:
    now = [0.0]
    answers = [httpx.Response(200, json={"access_token": "old", "expires_in": 30})]
    vendor, auth = _Vendor(answers), _Auth("acme", clock=lambda: now[0])
    vendor.issued.append("old")  # the vendor still accepts the token it handed out again
    async with _client(vendor, auth) as client:
        await client.get("/a")
        now[0] = 14.0
        await client.get("/b")
        now[0] = 16.0
        await client.get("/c")
    assert auth.fetches == 2
    assert vendor.api_calls == ["Bearer old", "Bearer old", "Bearer token-2"]
