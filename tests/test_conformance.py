"""The conformance suite every first-party plugin passes (STYLE.md, like the Singer SDK's).

Each plugin package ships ``testkit.py`` (docs/architecture.md): the plugin and emulator classes, a
small data set that crosses pages, the settings table and the assigned accounts it should report.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation

PLUGINS = [
    "okta",
    "salesforce",
    "hubspot",
    "slack",
    "segment",
    "google_workspace",
    "openai",
    "anthropic",
    "microsoft_graph",
    "zoom",
    "intercom",
    "marketo",
]
BASE_URL = "https://emulator.test"
TOKEN = "conformance-token-0123456789"


def kit(name: str) -> Any:
    return importlib.import_module(f"stacktrack_{name}.testkit")


def make_plugin(k: Any, token: str = TOKEN) -> Any:
    table = {**k.settings(token), "base_url": BASE_URL}
    return k.PLUGIN("src", k.PLUGIN.settings_model.model_validate(table))


def make_emulator(k: Any, **kwargs: Any) -> Any:
    return k.EMULATOR(k.sample_data(), token=TOKEN, **kwargs)


async def collect(k: Any, transport: httpx.AsyncBaseTransport, token: str = TOKEN) -> Observation:
    plugin = make_plugin(k, token)
    async with build_client(plugin, transport=transport) as client:
        return await plugin.collect(client, CollectContext(source="src", now=k.NOW))


def assigned_ids(observation: Observation) -> dict[str | None, set[str]]:
    return {
        app.app: {a.id for a in app.accounts or () if a.assigned}
        for app in observation.apps
        if app.accounts is not None
    }


@pytest.fixture(autouse=True)
def _no_waits() -> Any:
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture(params=PLUGINS)
def k(request: pytest.FixtureRequest) -> Any:
    return kit(request.param)


def test_registered_under_its_name(k: Any) -> None:
    from stacktrack import registry

    assert registry.load_plugin(k.PLUGIN.name) is k.PLUGIN
    assert k.EMULATOR.vendor == k.PLUGIN.name
    assert k.PLUGIN.observes, "a plugin must declare what it observes"


def test_settings_reject_unknown_keys(k: Any) -> None:
    with pytest.raises(ValidationError, match="bogus"):
        k.PLUGIN.settings_model.model_validate({**k.settings(TOKEN), "bogus": 1})


def test_secrets_are_secretstr_and_never_shown(k: Any) -> None:
    plugin = make_plugin(k)
    secret_fields = [
        name
        for name in type(plugin.settings).model_fields
        if any(word in name for word in ("token", "secret", "password", "private_key"))
    ]
    assert "token" in secret_fields
    for name in secret_fields:
        value = getattr(plugin.settings, name)
        assert value is None or isinstance(value, SecretStr), name
    assert TOKEN not in repr(plugin.settings) and TOKEN not in str(plugin.settings.model_dump())
    assert TOKEN in plugin.secrets()


async def test_every_page_followed_and_plugin_agrees_with_emulator(k: Any) -> None:
    small = make_emulator(k, page_size=2)
    paged = await collect(k, small.transport())
    whole = await collect(k, make_emulator(k, page_size=10_000).transport())
    assert assigned_ids(paged) == {
        app: set(ids) for app, ids in k.expected_assigned(k.sample_data()).items()
    }
    assert paged == whole, "small pages must give the same observation as one big page"
    assert small.requests > make_emulator(k).requests or small.requests > 3


async def test_repeated_cursor_raises(k: Any) -> None:
    emulator = make_emulator(k)
    emulator.repeat_cursor = True
    with pytest.raises(BadResponse, match=r"loop|repeat"):
        await collect(k, emulator.transport())


async def test_401_is_an_authentication_error_naming_the_source(k: Any) -> None:
    with pytest.raises(AuthenticationError) as caught:
        await collect(k, make_emulator(k).transport(), token="wrong-token-value")
    assert caught.value.source == "src"
    assert "wrong-token-value" not in str(caught.value)


async def test_rate_limit_signal_then_success(k: Any) -> None:
    emulator = make_emulator(k)
    emulator.force_throttle = 1
    if k.RATE_LIMIT_RETRYABLE:
        observation = await collect(k, emulator.transport())
        assert emulator.throttled == 1
        assert assigned_ids(observation) == {
            a: set(i) for a, i in k.expected_assigned(k.sample_data()).items()
        }
    else:
        with pytest.raises(RateLimitExhausted) as caught:
            await collect(k, emulator.transport())
        assert caught.value.message


async def test_malformed_json_is_a_bad_response(k: Any) -> None:
    emulator = make_emulator(k)
    served = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal served
        response = emulator.handle(request)
        if response.status_code == 200 and served == 0 and "token" not in request.url.path:
            served += 1
            return httpx.Response(
                200, content=b'{"data": [1, 2', headers={"Content-Type": "application/json"}
            )
        return response

    with pytest.raises(BadResponse):
        await collect(k, httpx.MockTransport(handler))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("name", PLUGINS)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=json_values)
async def test_arbitrary_payloads_only_raise_typed_errors(name: str, payload: Any) -> None:
    k = kit(name)
    body = json.dumps(payload).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    try:
        observation = await collect(k, httpx.MockTransport(handler))
    except PluginError:
        return
    assert isinstance(observation, Observation)
