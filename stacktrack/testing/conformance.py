"""The conformance suite, generated from a plugin's test kit (like the Singer SDK's ``get_tap_test_class``).

In the plugin's tests::

    from stacktrack.testing.conformance import conformance_suite
    from stacktrack_acme import testkit

    TestAcmeConformance = conformance_suite(testkit)

pytest then runs, against the plugin's own emulator (in-process, no sockets): the plugin is registered
under its name; settings reject unknown keys; every secret lands in a ``SecretStr`` field (found by
type: wherever the kit's token ends up) and never shows; small pages give the same observation as one
big page and the assigned accounts the kit expects; a repeated cursor raises; a 401 is an
authentication error naming the source; a rate limit then success is retried (a rate limit that never
ends is exhausted); malformed JSON, a missing key and a wrong type become ``BadResponse``; arbitrary
(Hypothesis) payloads only raise typed errors; and, if the emulator joins the sandbox, the plugin
reads the emulator's rendering of a small world as the world has it.

``Harness`` is the same machinery for a plugin's own tests (build the plugin, an emulator, collect).
This module needs the test extras (pytest, hypothesis); ``stacktrack.testing`` itself does not.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from stacktrack.errors import AuthenticationError, BadResponse, PluginError, RateLimitExhausted
from stacktrack.http import build_client
from stacktrack.plugin_api import CollectContext, Observation, Plugin
from stacktrack.testing.emulator import Emulator
from stacktrack.testing.kit import PluginKit
from stacktrack.testing.world import AppView, Employee, Seat, WorldView

BASE_URL = "https://emulator.test"
TOKEN = "conformance-token-0123456789"
SOURCE = "src"


class Harness:
    """Builds a kit's plugin and emulator and collects, the way the snapshot engine does."""

    def __init__(
        self,
        kit: PluginKit,
        *,
        source: str = SOURCE,
        token: str = TOKEN,
        base_url: str | None = BASE_URL,
    ) -> None:
        self.kit = kit
        self.source = source
        self.token = token
        self.base_url = base_url
        """``None``: the plugin's default host (for emulators that route on the path only)."""

    def plugin(
        self, *, token: str | None = None, table: dict[str, Any] | None = None, **extra: Any
    ) -> Plugin:
        """The kit's plugin with the kit's settings (``table``: these settings instead; ``extra``
        adds or overrides keys)."""
        base = self.kit.settings(token or self.token) if table is None else table
        if self.base_url is not None:
            base = {"base_url": self.base_url, **base}
        raw = {**base, **extra}
        return self.kit.PLUGIN(self.source, self.kit.PLUGIN.settings_model.model_validate(raw))

    def ago(self, days: float) -> dt.datetime:
        """``days`` before the kit's run clock."""
        return self.kit.NOW - dt.timedelta(days=days)

    def emulator(self, data: Any = None, **kwargs: Any) -> Emulator[Any]:
        """The kit's emulator over ``data`` (default: a fresh ``sample_data()``)."""
        return self.kit.EMULATOR(
            self.kit.sample_data() if data is None else data, token=self.token, **kwargs
        )

    async def collect(
        self,
        transport: httpx.AsyncBaseTransport,
        *,
        plugin: Plugin | None = None,
        token: str | None = None,
        now: dt.datetime | None = None,
        lookback_days: int = 90,
    ) -> Observation:
        plugin = plugin or self.plugin(token=token)
        ctx = CollectContext(
            source=self.source, now=now or self.kit.NOW, lookback_days=lookback_days
        )
        async with build_client(plugin, transport=transport) as client:
            return await plugin.collect(client, ctx)

    def collect_sync(self, transport: httpx.AsyncBaseTransport, **kwargs: Any) -> Observation:
        return asyncio.run(self.collect(transport, **kwargs))

    @staticmethod
    def answering(
        emulator: Emulator[Any], path: str, body: Any, status: int = 200
    ) -> httpx.MockTransport:
        """The emulator, except that requests whose path ends with ``path`` get ``body`` (bytes as
        they are, anything else as JSON)."""
        content = body if isinstance(body, bytes) else json.dumps(body).encode()

        def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith(path):
                return httpx.Response(
                    status, content=content, headers={"Content-Type": "application/json"}
                )
            return emulator.handle(request)

        return httpx.MockTransport(handle)

    @staticmethod
    def calls(emulator: Emulator[Any], path: str) -> list[str]:
        """The requests (path with query) the emulator served whose path ends with ``path``."""
        return [target for _verb, target in emulator.log if target.split("?")[0].endswith(path)]


def assigned_ids(observation: Observation) -> dict[str | None, set[str]]:
    """App -> ids of the accounts holding a seat (apps whose accounts the source lists)."""
    return {
        app.app: {account.id for account in app.accounts or () if account.assigned}
        for app in observation.apps
        if app.accounts is not None
    }


def apps_by_name(observation: Observation) -> dict[str | None, Any]:
    """App name (``None`` for the vendor's own product) -> its ``AppUsage``."""
    return {usage.app: usage for usage in observation.apps}


def assigned_emails(observation: Observation) -> dict[str | None, set[str]]:
    return {
        app.app: {a.email for a in app.accounts or () if a.assigned and a.email}
        for app in observation.apps
        if app.accounts is not None
    }


# -- the shapes a vendor did not promise ----------------------------------------------------------


def _wrong_type(value: Any) -> Any:
    if isinstance(value, dict):
        return ["not", "an", "object"]
    if isinstance(value, list):
        return {"not": "a list"}
    if isinstance(value, bool | int | float):
        return "not a number"
    return {"not": "a string"}


def mutations(body: Any, limit: int = 24) -> Iterator[tuple[str, Any]]:
    """(description, mutated copy) of ``body``: each top-level key missing or of the wrong type, and
    the same for the keys of the first object in the first top-level list (the first item of a page)."""
    found = 0
    targets: list[tuple[str, list[Any]]] = []
    if isinstance(body, dict):
        targets.append(("", []))
        for key, value in body.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                targets.append((f"{key}[0].", [key, 0]))
                break
    elif isinstance(body, list) and body and isinstance(body[0], dict):
        targets.append(("[0].", [0]))
    for label, path in targets:
        holder = body
        for step in path:
            holder = holder[step]
        for key in list(holder):
            for kind in ("missing", "wrong type"):
                mutated = copy.deepcopy(body)
                inner = mutated
                for step in path:
                    inner = inner[step]
                if kind == "missing":
                    del inner[key]
                else:
                    inner[key] = _wrong_type(inner[key])
                yield f"{label}{key}: {kind}", mutated
                found += 1
                if found >= limit:
                    return


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def small_world(view_tools: tuple[Any, ...], now: dt.datetime) -> WorldView:
    """A six-person world holding a seat in each of ``view_tools`` (``ToolSpec``s), for checking that
    a plugin reads its emulator's rendering of the sandbox world as the world has it."""
    people = [
        Employee(
            key,
            first,
            "Tester",
            f"{first.lower()}@world.example",
            department,
            f"{department} Manager",
            hired=now - dt.timedelta(days=400),
            left=now - dt.timedelta(days=10) if key == 4 else None,
            never_logs_in=key == 5,
        )
        for key, (first, department) in enumerate(
            [
                ("Ada", "Demand Gen"),
                ("Ben", "Sales"),
                ("Cy", "RevOps"),
                ("Dee", "Content"),
                ("Eve", "Sales"),
                ("Fay", "Leadership"),
            ]
        )
    ]
    apps: dict[str, AppView] = {}
    for spec in view_tools:
        seats = [
            Seat(
                person,
                assigned_at=now - dt.timedelta(days=300),
                last_active=None
                if person.never_logs_in
                else (person.left or now) - dt.timedelta(days=1 + person.key),
                suspended=person.left is not None,
            )
            for person in people
        ]
        apps[spec.id] = AppView(spec.id, spec.sso_label, spec, seats, now - dt.timedelta(days=350))
    last = {
        seat.employee.key: seat.last_active
        for app in apps.values()
        for seat in app.seats
        if seat.last_active is not None
    }
    return WorldView(
        instant=now,
        company="World Test",
        domain="world.example",
        employees=people,
        apps=apps,
        departments=("Demand Gen", "Sales", "RevOps", "Content", "Leadership"),
        last_logins=last,
    )


# -- the factory ------------------------------------------------------------------------------


def conformance_suite(
    kit: PluginKit, *, name: str | None = None, known_failures: dict[str, str] | None = None
) -> type:
    """A pytest test class (assign it to a ``Test...`` name in a test module) checking ``kit``.

    ``known_failures`` (test name -> why) marks tests expected to fail, strictly: once the plugin is
    fixed the suite fails until the entry is removed.
    """
    harness = Harness(kit)

    def run(coro: Any) -> Any:
        with stamina.set_testing(True, attempts=3):
            return asyncio.run(coro)

    def collect(transport: httpx.AsyncBaseTransport, **kwargs: Any) -> Observation:
        return run(harness.collect(transport, **kwargs))  # type: ignore[no-any-return]

    def expected() -> dict[str | None, set[str]]:
        return {app: set(ids) for app, ids in kit.expected_assigned(kit.sample_data()).items()}

    def first_answers(emulator: Emulator[Any]) -> dict[str, Any]:
        """Path -> the first successful JSON body the plugin got from it, in request order."""
        seen: dict[str, Any] = {}

        def handle(request: httpx.Request) -> httpx.Response:
            response = emulator.handle(request)
            path = request.url.path
            if response.status_code == 200 and path not in seen and "token" not in path:
                with contextlib.suppress(ValueError):
                    seen[path] = json.loads(response.content)
            return response

        collect(httpx.MockTransport(handle))
        return seen

    class Suite:
        def test_registered_under_its_name(self) -> None:
            from stacktrack import registry

            # Compared by name: another test may have re-imported the module since the kit was.
            loaded = registry.load_plugin(kit.PLUGIN.name)
            assert _qualified(loaded) == _qualified(kit.PLUGIN)
            assert kit.EMULATOR.vendor == kit.PLUGIN.name
            assert _qualified(kit.PLUGIN.emulator()) == _qualified(kit.EMULATOR)
            assert kit.PLUGIN.observes, "a plugin must declare what it observes"

        def test_settings_reject_unknown_keys(self) -> None:
            with pytest.raises(ValidationError, match="bogus"):
                kit.PLUGIN.settings_model.model_validate({**kit.settings(TOKEN), "bogus": 1})

        def test_secrets_are_secretstr_and_never_shown(self) -> None:
            plugin = harness.plugin()
            settings_ = plugin.settings
            holders = [
                field
                for field in type(settings_).model_fields
                if isinstance(getattr(settings_, field), SecretStr)
            ]
            assert holders, "the kit's token must land in a SecretStr setting"
            for field in type(settings_).model_fields:
                value = getattr(settings_, field)
                if not isinstance(value, SecretStr):
                    assert TOKEN not in str(value), (
                        f"{field} holds the secret but is not a SecretStr"
                    )
            assert TOKEN not in repr(settings_) and TOKEN not in str(settings_.model_dump())
            assert TOKEN in plugin.secrets()

        def test_every_page_followed_and_plugin_agrees_with_emulator(self) -> None:
            small = harness.emulator(page_size=2)
            whole = harness.emulator(page_size=10_000)
            paged = collect(small.transport())
            at_once = collect(whole.transport())
            assert assigned_ids(paged) == expected()
            assert paged == at_once, "small pages must give the same observation as one big page"
            assert small.requests > whole.requests, "the sample data must cross pages"

        def test_repeated_cursor_raises(self) -> None:
            emulator = harness.emulator()
            emulator.repeat_cursor = True
            with pytest.raises(BadResponse, match=r"loop|repeat") as caught:
                collect(emulator.transport())
            assert caught.value.source == SOURCE

        def test_401_is_an_authentication_error_naming_the_source(self) -> None:
            with pytest.raises(AuthenticationError) as caught:
                collect(harness.emulator().transport(), token="wrong-token-value")
            assert caught.value.source == SOURCE
            assert "wrong-token-value" not in str(caught.value)

        def test_rate_limit_then_success(self) -> None:
            emulator = harness.emulator()
            emulator.force_throttle = 1
            if getattr(kit, "RATE_LIMIT_RETRYABLE", True):
                observation = collect(emulator.transport())
                assert emulator.throttled == 1
                assert observation == collect(harness.emulator().transport())
            else:
                with pytest.raises(RateLimitExhausted) as caught:
                    collect(emulator.transport())
                assert caught.value.source == SOURCE and caught.value.message

        def test_rate_limit_that_never_ends_is_exhausted(self) -> None:
            emulator = harness.emulator()
            emulator.force_throttle = 1_000
            with pytest.raises(RateLimitExhausted) as caught:
                collect(emulator.transport())
            assert caught.value.source == SOURCE

        def test_malformed_json_is_a_bad_response(self) -> None:
            emulator = harness.emulator()
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

            with pytest.raises(BadResponse) as caught:
                collect(httpx.MockTransport(handler))
            assert caught.value.source == SOURCE

        def test_missing_keys_and_wrong_types_are_bad_responses(self) -> None:
            """Each endpoint's first answer with a key missing or of the wrong type: the plugin
            either reads around it or raises ``BadResponse`` naming the source — never another error."""
            answers = first_answers(harness.emulator())
            assert answers, "the plugin made no successful JSON request"
            tried = 0
            for path, what, mutated in _round_robin(answers, MUTATIONS):
                tried += 1
                emulator = harness.emulator()
                transport = _once(emulator, path, json.dumps(mutated).encode())
                try:
                    collect(transport)
                except BadResponse as exc:
                    assert exc.source == SOURCE, what
                except PluginError as exc:
                    pytest.fail(f"{path} {what}: {type(exc).__name__} instead of BadResponse")
            assert tried, "no answer had a shape to vary"

        @settings(
            max_examples=25,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(payload=JSON_VALUES)
        def test_arbitrary_payloads_only_raise_typed_errors(self, payload: Any) -> None:
            body = json.dumps(payload).encode()

            def handler(request: httpx.Request) -> httpx.Response:
                return httpx.Response(
                    200, content=body, headers={"Content-Type": "application/json"}
                )

            try:
                observation = collect(httpx.MockTransport(handler))
            except PluginError as exc:
                assert exc.source == SOURCE
                return
            assert isinstance(observation, Observation)

        def test_reads_the_sandbox_world_as_the_world_has_it(self) -> None:
            emulator_class = kit.EMULATOR
            if not emulator_class.joins_world():
                pytest.skip(f"{emulator_class.__name__} does not serve the sandbox world")
            tools = emulator_class.world_tools()
            if emulator_class.identity_provider and not tools:
                tools = (_sso_tool(),)
            assert tools, (
                "an emulator that joins the world brings a tool or is an identity provider"
            )
            view = small_world(tools, kit.NOW)
            emulator = emulator_class.from_world(view, token=TOKEN, page_size=2)
            # The sandbox config's settings for this source (an organization name, ...), secrets
            # references aside: the kit's settings carry the token.
            world = emulator_class.world_settings(base_url=BASE_URL, secret_env="UNUSED")
            plain = {k: v for k, v in world.items() if not (isinstance(v, dict) and "env" in v)}
            plugin = harness.plugin(**plain)
            observation = collect(emulator.transport(), now=view.instant, plugin=plugin)
            held = assigned_ids(observation)
            emails = assigned_emails(observation)
            for spec in tools:
                holders = {seat.employee.email for seat in view.seats(spec.id)}
                key = spec.sso_label if kit.PLUGIN.reports_many_apps else None
                if key in held:
                    assert held[key], f"{spec.id}: nobody holds a seat"
                    assert len(held[key]) <= len(holders), spec.id
                    assert emails[key] <= holders, f"{spec.id}: people the world does not seat"
            assert observation.apps, "the plugin saw nothing of the world"

    for test, reason in (known_failures or {}).items():
        method = getattr(Suite, test)  # an unknown name is a mistake: let it raise
        setattr(Suite, test, pytest.mark.xfail(strict=True, reason=reason)(method))
    Suite.__name__ = Suite.__qualname__ = name or f"Test{kit.PLUGIN.__name__}Conformance"
    return Suite


def _qualified(thing: Any) -> str:
    return f"{getattr(thing, '__module__', '?')}.{getattr(thing, '__qualname__', repr(thing))}"


def _sso_tool() -> Any:
    from stacktrack.testing.world import ContractSpec, ToolSpec

    return ToolSpec(
        "worldapp",
        "World App",
        "worldapp",
        "RevOps",
        ContractSpec(1_000, start=300, renewal=100, notice_days=30, seats=10),
        {"*": 1.0},
        sso_label="World App",
    )


MUTATIONS = 16
"""How many varied answers the shape test tries per plugin (each is a whole collect)."""


def _round_robin(answers: dict[str, Any], limit: int) -> Iterator[tuple[str, str, Any]]:
    """Up to ``limit`` (path, description, body) variations, taking turns between the endpoints."""
    queues = [(path, mutations(body)) for path, body in answers.items()]
    given_out = 0
    while queues and given_out < limit:
        for path, queue in list(queues):
            item = next(queue, None)
            if item is None:
                queues.remove((path, queue))
                continue
            yield path, item[0], item[1]
            given_out += 1
            if given_out >= limit:
                return


def _once(emulator: Emulator[Any], path: str, body: bytes) -> httpx.MockTransport:
    """The emulator, except that the first successful answer from ``path`` is ``body``."""
    used = False

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal used
        response = emulator.handle(request)
        if not used and request.url.path == path and response.status_code == 200:
            used = True
            return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
        return response

    return httpx.MockTransport(handle)


__all__ = [
    "BASE_URL",
    "SOURCE",
    "TOKEN",
    "Harness",
    "apps_by_name",
    "assigned_emails",
    "assigned_ids",
    "conformance_suite",
    "mutations",
    "small_world",
]
