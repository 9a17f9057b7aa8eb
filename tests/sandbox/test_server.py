"""``sandbox serve`` over real loopback HTTP, with a real ``stacktrack snapshot`` against it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stamina
from click.testing import CliRunner

from stacktrack.config import load_config_text
from stacktrack.errors import ConfigError, UsageError
from stacktrack.sandbox import participants
from stacktrack.sandbox.server import SandboxServer, ServerInfo, serve

NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    # No backoff sleeps; enough attempts that a 20% fault rate is recovered (0.2**6 per request).
    with stamina.set_testing(True, attempts=6):
        yield


def snapshot(info: ServerInfo, tmp_path: Path) -> tuple[int, str, Path]:
    from stacktrack.cli import main

    config = tmp_path / "stacktrack.toml"
    config.write_text(info.config_text, encoding="utf-8")
    db = tmp_path / "stacktrack.db"
    env = {**info.env, "STACKTRACK_CONFIG": str(config), "STACKTRACK_DB": str(db)}
    result = CliRunner().invoke(main, ["snapshot", "--json"], env=env)
    return result.exit_code, result.output, db


def stored(db: Path) -> dict[str, str]:
    from stacktrack.store import Store

    with Store.open(db) as store:
        run = store.latest_run()
    assert run is not None
    return {source.source: source.status for source in run.sources}


def test_snapshot_over_loopback_with_faults_is_partial(tmp_path: Path) -> None:
    server = SandboxServer(seed=4, faults="hubspot:401=1,segment:malformed=1", end=NOW)
    info = server.start()
    try:
        assert info.url.startswith("http://127.0.0.1:")
        code, output, db = snapshot(info, tmp_path)
    finally:
        server.shutdown()
    assert code == 3, output
    summary = json.loads(output[output.index("{") :])
    failed = {s["source"]: s["error"] for s in summary["sources"] if s["status"] == "failed"}
    assert set(failed) == {"hubspot", "segment"}
    assert all(error for error in failed.values())
    statuses = stored(db)
    assert statuses["hubspot"] == statuses["segment"] == "failed"
    for source in ("okta", "salesforce", "slack"):
        assert statuses[source] == "ok"
    for value in info.env.values():  # sandbox tokens never leak into output
        assert value not in output
    assert server.injectors["hubspot"].injected["401"] >= 1


def test_transient_faults_are_recovered_and_truncation_too(tmp_path: Path) -> None:
    server = SandboxServer(
        seed=4,
        faults="slack:500=0.2,salesforce:truncated=0.2,hubspot:503=0.2,okta:429=0.05",
        end=NOW,
    )
    info = server.start()
    try:
        code, output, db = snapshot(info, tmp_path)
    finally:
        server.shutdown()
    injected = {name: sum(i.injected.values()) for name, i in server.injectors.items()}
    assert injected["slack"] + injected["salesforce"] + injected["hubspot"] > 0
    assert code == 0, output
    assert set(stored(db).values()) == {"ok"}


def test_server_routes_by_mount_and_checks_tokens() -> None:
    server = SandboxServer(seed=4, end=NOW)
    info = server.start()
    try:
        slack = info.base_urls["slack"]
        token = info.env[participants.env_name("slack")]
        with httpx.Client() as client:
            good = client.get(f"{slack}/users.list", headers={"Authorization": f"Bearer {token}"})
            bad = client.get(f"{slack}/users.list", headers={"Authorization": "Bearer nope"})
            missing = client.get(f"{info.url}/nowhere/x")
    finally:
        server.shutdown()
    assert good.status_code == 200 and good.json()["ok"] is True
    assert any(
        m.get("profile", {}).get("email", "").endswith(".example") for m in good.json()["members"]
    )
    assert bad.json() == {"ok": False, "error": "invalid_auth"}
    assert missing.status_code == 404


def test_served_config_validates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    server = SandboxServer(seed=4, end=NOW, faults="okta:timeout=0.1")
    info = server.start()
    server.shutdown()
    for name, value in info.env.items():
        monkeypatch.setenv(name, value)
    loaded = load_config_text(info.config_text, path=tmp_path / "stacktrack.toml")
    assert set(loaded.sources) == set(participants.sources_for("okta"))
    assert {t.id for t in loaded.file.tools} >= {"hubspot", "jasper", "mailchimp"}
    # A timeout fault holds the connection past the config's client timeout.
    assert all(s.timeout_seconds < server.fault_hold_s for s in loaded.sources.values())
    for line in info.export_lines().splitlines():
        assert line.startswith("export STACKTRACK_SANDBOX_")


def test_serve_writes_config_and_stops(tmp_path: Path) -> None:
    out = tmp_path / "sandbox.toml"
    seen: list[ServerInfo] = []
    stop = threading.Event()

    def ready(info: ServerInfo) -> None:
        seen.append(info)
        stop.set()

    thread = threading.Thread(
        target=serve,
        kwargs={"port": 0, "seed": 2, "config_out": out, "ready_callback": ready, "stop": stop},
    )
    thread.start()
    thread.join(timeout=20)
    assert not thread.is_alive()
    assert seen and out.read_text() == seen[0].config_text
    assert "[sources.okta]" in seen[0].config_text


def test_bad_fault_spec_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        SandboxServer(seed=1, faults="okta:explode=1", end=NOW)


def test_timeout_fault_holds_the_connection_past_the_client_timeout() -> None:
    server = SandboxServer(seed=4, end=NOW, faults="slack:timeout=1", fault_hold_s=0.5)
    info = server.start()
    try:
        with httpx.Client(timeout=0.1) as client, pytest.raises(httpx.ReadTimeout):
            client.get(f"{info.base_urls['slack']}/users.list")
    finally:
        server.shutdown()
    assert server.injectors["slack"].injected["timeout"] == 1


def test_rate_limit_and_latency_over_loopback() -> None:
    import time

    server = SandboxServer(seed=4, end=NOW, rate_limit="slack:0.5/1", latency_ms=150)
    info = server.start()
    try:
        token = info.env[participants.env_name("slack")]
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client() as client:
            started = time.monotonic()
            first = client.get(f"{info.base_urls['slack']}/users.list", headers=headers)
            elapsed = time.monotonic() - started
            second = client.get(f"{info.base_urls['slack']}/users.list", headers=headers)
    finally:
        server.shutdown()
    assert elapsed >= 0.15
    assert first.status_code == 200
    assert second.status_code == 429 and int(second.headers["Retry-After"]) >= 1
    assert server.emulators["slack"].throttled == 1


def test_config_for_a_lan_address_allows_its_cleartext(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # `sandbox serve --host 192.168.1.20` serves plain http:// beyond loopback, which a source
    # refuses by default: the written config must say so and still load.
    from stacktrack.sandbox.configfile import config_text
    from stacktrack.sandbox.world import World

    world = World.generate(4)
    sources = participants.sources_for("okta")
    lan = {source: f"http://192.168.1.20:8080/{source}" for source in sources}
    local = {source: f"http://127.0.0.1:8080/{source}" for source in sources}
    for source in sources:
        monkeypatch.setenv(participants.env_name(source), "fake-token")

    lan_text = config_text(world, base_urls=lan, idp="okta")
    loaded = load_config_text(lan_text, path=tmp_path / "stacktrack.toml")
    assert all(s.allow_insecure_http for s in loaded.sources.values())
    local_text = config_text(world, base_urls=local, idp="okta")
    assert "allow_insecure_http" not in local_text
    refused = lan_text.replace("allow_insecure_http = true", "")
    with pytest.raises(ConfigError, match="cleartext"):
        load_config_text(refused, path=tmp_path / "stacktrack.toml")
