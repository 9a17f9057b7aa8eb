"""50 sources concurrently against the sandbox server with 100 ms latency per request (SPEC §12).

The sandbox server (``stacktrack.sandbox.server.SandboxServer``, what ``stacktrack sandbox serve``
runs) runs in a child process so it does not share the snapshot's interpreter, with 100 ms latency per
request, pages of 100 items (HubSpot's real maximum; Okta ~50 requests per source, Slack ~10) and a
token-bucket rate limit per vendor. The config has 50 sources: 10 per vendor (okta, salesforce,
hubspot, slack, segment), each pointing at its vendor's emulator under its own name; so each
emulator's bucket is shared by 10 sources and is 10 times one tenant's budget (RATE_LIMITS).

Measured in one run: every source alone, one after the other (its own sequential chain: the same
``run_snapshot`` with ``--source NAME``); then all 50 together. Critical path = the slowest vendor's
median solo time (the max of all solo times is printed too); sequential = the sum of the solo times.
Rate limits exceeded = the emulators' 429 count (``Emulator.throttled``) in the 50-source run, which
must stay 0 (the buckets are refilled before it). CPU seconds of both processes are printed too.

    .venv/bin/python bench/collect.py

Last line: ``collect ratio <wall of the 50-source run / critical path>``; target <= 1.25.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing as mp
import os
import resource
import statistics
import tempfile
from pathlib import Path

import _common as c

VENDORS = ("okta", "salesforce", "hubspot", "slack", "segment")
PER_VENDOR = 10
LATENCY_MS = 100
PAGE_SIZE = 100
# One tenant's budget, times the 10 sources sharing an emulator: Okta ~600/min per endpoint
# (uncertain, org dependent), HubSpot 110 per 10 s (private apps), Slack Tier 2 ~20/min with bursts;
# Salesforce has a daily allocation (not a rate) and Segment's limit is not documented in our notes.
RATE_LIMITS = "okta=100/1000,hubspot=110/1100,slack=3.4/200"
NOW = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _serve(conn: mp.connection.Connection) -> None:
    from stacktrack.sandbox.faults import apply_rate_limits, parse_rate_limits
    from stacktrack.sandbox.server import SandboxServer

    server = SandboxServer(
        seed=1, latency_ms=LATENCY_MS, page_size=PAGE_SIZE, rate_limit=RATE_LIMITS, end=NOW
    )
    info = server.start()
    conn.send((info.base_urls, info.env))
    while (message := conn.recv()) != "stop":
        if message == "reset":  # a fresh budget: each measured snapshot starts as a daily one would
            apply_rate_limits(server.emulators, parse_rate_limits(RATE_LIMITS, server.sources))
            for emulator in server.emulators.values():
                emulator.throttled = 0
            conn.send(resource.getrusage(resource.RUSAGE_SELF))
    counts = {name: (e.requests, e.throttled) for name, e in server.emulators.items()}
    counts["cpu"] = resource.getrusage(resource.RUSAGE_SELF)  # type: ignore[assignment]
    conn.send(counts)
    server.shutdown()


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def config_text(base_urls: dict[str, str], db: Path) -> str:
    from stacktrack.sandbox.participants import env_name

    lines = ['[stacktrack]\ncurrency = "USD"\n']
    for vendor in VENDORS:
        for n in range(PER_VENDOR):
            lines.append(
                f'[sources.{vendor}_{n:02d}]\nplugin = "{vendor}"\nbase_url = "{base_urls[vendor]}"\n'
                f'token = {{ env = "{env_name(vendor)}" }}\n'
            )
    for vendor in VENDORS:
        sources = ", ".join(f'"{vendor}_{n:02d}"' for n in range(PER_VENDOR))
        lines.append(
            f'[[tools]]\nid = "{vendor}"\nname = "{vendor.title()}"\nsources = [{sources}]\n'
            "[tools.contract]\nannual_cost = 12000\nseats = 500\n"
        )
    return "\n".join(lines)


def snapshot(config, only: list[str] | None):  # type: ignore[no-untyped-def]
    from stacktrack.snapshot import run_snapshot

    seconds, summary = c.timed(lambda: asyncio.run(run_snapshot(config, only=only, now=NOW)))
    failed = [o for o in summary.sources if o.status != "ok"]
    assert not failed, [(o.source, o.error) for o in failed]
    return seconds, summary


def main() -> None:
    from stacktrack.config import load_config_text

    c.header(f"collect: {len(VENDORS) * PER_VENDOR} sources, {LATENCY_MS} ms latency per request")
    parent, child = mp.Pipe()
    server = mp.get_context("fork").Process(target=_serve, args=(child,), daemon=True)
    server.start()
    base_urls, env = parent.recv()
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            config = load_config_text(
                config_text(base_urls, folder / "solo.db"), path=folder / "stacktrack.toml",
                db=folder / "solo.db",
            )  # fmt: skip
            solo: dict[str, float] = {}
            requests_per_source = {}
            for name in config.sources:
                solo[name], summary = snapshot(config, [name])
                requests_per_source[name.rsplit("_", 1)[0]] = summary.sources[0].counts
            parent.send("reset")
            server_cpu_before = parent.recv()
            client_cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            together = load_config_text(
                config_text(base_urls, folder / "all.db"), path=folder / "stacktrack.toml",
                db=folder / "all.db",
            )  # fmt: skip
            wall, summary = snapshot(together, None)
            client_cpu = _cpu(resource.getrusage(resource.RUSAGE_SELF)) - _cpu(client_cpu_before)
    finally:
        parent.send("stop")
        counts = parent.recv()
        server.join(timeout=10)
    medians = {
        v: statistics.median(t for n, t in solo.items() if n.startswith(v + "_")) for v in VENDORS
    }
    critical = max(medians.values())
    sequential = sum(solo.values())
    server_cpu = _cpu(counts.pop("cpu")) - _cpu(server_cpu_before)
    throttled = sum(t for _, t in counts.values())
    for vendor in VENDORS:
        print(
            f"{vendor:10} solo median {medians[vendor]:.2f}s (max {max(t for n, t in solo.items() if n.startswith(vendor + '_')):.2f}s); "
            f"emulator: {counts[vendor][0]} requests, {counts[vendor][1]} rate-limited"
        )
    print(
        f"critical path {critical:.2f}s (max solo {max(solo.values()):.2f}s); sequential {sequential:.1f}s; all 50 together {wall:.2f}s"
    )
    print(
        f"wall / sequential = {wall / sequential:.3f}; wall / max solo = {wall / max(solo.values()):.2f}"
    )
    print(
        f"CPU during the 50-source run: snapshot process {client_cpu:.2f}s, server process {server_cpu:.2f}s"
    )
    print(f"rate limits exceeded: {throttled} (429 answers)")
    c.result(
        "collect", wall / critical, 1.25,
        f"wall {wall:.2f}s, critical path {critical:.2f}s, sequential {sequential:.1f}s, 429s {throttled}",
    )  # fmt: skip


if __name__ == "__main__":
    main()
