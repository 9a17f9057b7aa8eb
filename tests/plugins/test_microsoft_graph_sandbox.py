"""Entra ID as the sandbox company's identity provider: ``demo --idp microsoft_graph`` in process and
``sandbox serve --idp microsoft_graph`` over real loopback HTTP with a real ``snapshot``.

Expectations come from the world itself (``World.at``), not from the plugin: who holds the Microsoft
365 and Copilot licences, who is suspended, which apps sit behind SSO.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina
from click.testing import CliRunner
from stacktrack_microsoft_graph.world import COPILOT, SUITE

from stacktrack.config import load_config_text
from stacktrack.sandbox import participants
from stacktrack.sandbox.demo import run_demo
from stacktrack.sandbox.server import SandboxServer

IDP = "microsoft_graph"
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with stamina.set_testing(True, attempts=3):
        yield


def _tools(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {tool["id"]: tool for tool in document["tools"]}


def test_entra_is_an_identity_provider_with_client_credentials_in_the_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert IDP in participants.identity_providers()
    server = SandboxServer(seed=3, idp=IDP, end=NOW, only=["salesforce"])
    info = server.start()
    server.shutdown()
    for name, value in info.env.items():
        monkeypatch.setenv(name, value)
    loaded = load_config_text(info.config_text, path=tmp_path / "stacktrack.toml")
    entra = loaded.sources[IDP]
    secret = info.env[participants.env_name(IDP)]
    assert entra.client_secret is not None
    assert entra.client_secret.get_secret_value() == secret
    assert entra.token is None
    assert entra.authority_url == info.base_urls[IDP]
    assert secret not in info.config_text
    assert {"okta", "google_workspace"}.isdisjoint(loaded.sources)
    assert {t.id for t in loaded.file.tools} >= {SUITE.id, COPILOT.id, "salesforce"}


def test_serve_and_snapshot_over_loopback(tmp_path: Path) -> None:
    from stacktrack.cli import main

    server = SandboxServer(seed=3, idp=IDP, end=NOW, only=["salesforce", "hubspot"])
    info = server.start()
    try:
        config = tmp_path / "stacktrack.toml"
        config.write_text(info.config_text, encoding="utf-8")
        db = tmp_path / "stacktrack.db"
        env = {**info.env, "STACKTRACK_CONFIG": str(config), "STACKTRACK_DB": str(db)}
        snap = CliRunner().invoke(main, ["snapshot", "--json"], env=env)
        report = CliRunner().invoke(main, ["report", "--json"], env=env)
    finally:
        server.shutdown()
    assert snap.exit_code == 0, snap.output
    assert report.exit_code == 0, report.output
    for value in info.env.values():
        assert value not in snap.output and value not in report.output
    emulator = server.emulators[IDP]
    # one token for the run; the report CSVs fetched from this server without the token
    assert emulator.tokens_issued == 1
    downloads = emulator.download_requests
    assert len(downloads) == 2 and all(auth is None for _host, auth in downloads)

    view = server.world.at(server.world.end)
    tools = _tools(json.loads(report.output))
    suite, copilot = tools[SUITE.id], tools[COPILOT.id]
    holders = [seat for seat in view.seats(SUITE.id) if not seat.suspended]
    assert suite["seats_purchased"] == SUITE.contract.seats
    assert suite["seats_assigned"] == len(holders)
    assert suite["active_users"] is not None and suite["never_active_users"] is not None
    never = sum(1 for seat in holders if seat.employee.never_logs_in)
    assert suite["never_active_users"] >= never
    assert copilot["seats_purchased"] == COPILOT.contract.seats
    copilot_holders = [seat for seat in view.seats(COPILOT.id) if not seat.suspended]
    assert copilot["seats_assigned"] == len(copilot_holders)
    assert copilot["active_users"] is not None
    assert copilot["active_users"] < copilot["seats_assigned"]  # the shelfware add-on
    # SSO activity through Entra for the vendor tools, beside their own APIs
    for tool_id in ("salesforce", "hubspot"):
        sources = {row["source"]: row["status"] for row in tools[tool_id]["sources"]}
        assert sources == {tool_id: "ok", IDP: "ok"}
    assert "salesforce" in suite["integrations"]  # delegated mail/calendar grants


def test_demo_with_entra_as_identity_provider(tmp_path: Path) -> None:
    from stacktrack.cli import main

    result = run_demo(tmp_path, seed=5, weeks=2, idp=IDP, only=["salesforce", "slack"])
    assert result.failures == []
    config = result.config_path.read_text()
    assert f"[sources.{IDP}]" in config and "[sources.okta]" not in config
    env = {
        participants.env_name(s): participants.token_for(5, s)
        for s in participants.sources_for(IDP, ["salesforce", "slack"])
    }
    outcome = CliRunner().invoke(
        main, ["--config", str(result.config_path), "report", "--json"], env=env
    )
    assert outcome.exit_code == 0, outcome.output
    document = json.loads(outcome.output)
    tools = _tools(document)
    assert tools[SUITE.id]["seats_assigned"] > 300
    assert tools[COPILOT.id]["seats_purchased"] == 50
    assert [
        {key: row[key] for key in ("source", "status", "error")}
        for row in tools["jasper"]["sources"]
    ] == [{"source": IDP, "status": "ok", "error": None}]
    shadow = {e["app"] for e in document["unmatched_apps"] if e["source"] == IDP}
    assert {"Otter.ai", "Grammarly", "Zapier"} <= shadow


def test_entra_and_okta_see_the_same_sso_apps_of_one_world() -> None:
    import asyncio

    from stacktrack.http import build_client
    from stacktrack.plugin_api import CollectContext, Observation
    from stacktrack.registry import load_plugin
    from stacktrack.sandbox.world import World

    seed = 21
    world = World.generate(seed, tools=participants.company_tools(["okta", IDP]))
    view = world.at(world.end - dt.timedelta(days=3, hours=7))

    async def collect(source: str) -> Observation:
        plugin_class = load_plugin(source)
        assert not isinstance(plugin_class, Exception)
        emulator = participants.build_emulator(view, source, seed=seed, prefix=True)
        base = f"https://sandbox.test/{source}"
        extra = emulator.world_settings(base_url=base, secret_env="X")
        table = {
            key: participants.token_for(seed, source) if value == {"env": "X"} else value
            for key, value in extra.items()
        }
        settings = plugin_class.settings_model.model_validate(
            {"plugin": source, "base_url": base, **table}
        )
        plugin = plugin_class(source, settings)
        async with build_client(plugin, transport=emulator.transport()) as client:
            return await plugin.collect(client, CollectContext(source=source, now=view.instant))

    okta, entra = asyncio.run(collect("okta")), asyncio.run(collect(IDP))

    def by_label(observation: Observation) -> dict[str, set[str]]:
        return {
            usage.app: {a.email for a in usage.accounts or () if a.assigned and a.email}
            for usage in observation.apps
            if usage.app is not None
        }

    okta_apps, entra_apps = by_label(okta), by_label(entra)
    shared = {
        label
        for label, app in ((view.apps[k].label, view.apps[k]) for k in view.apps)
        if label and app.spec is not None
    }
    assert shared and shared <= set(okta_apps) & set(entra_apps)
    for label in shared:
        assert entra_apps[label] == okta_apps[label], label
    # the licence pools are Entra's own: every employee holding E3 is there, suspended ones excluded
    e3 = {s.employee.email for s in view.seats(SUITE.id) if not s.suspended}
    assert entra_apps["SPE_E3"] == e3
