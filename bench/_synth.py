"""Synthetic history for the history and growth benchmarks, written through the store API.

A company of ``users`` people and ``tools`` tools, seen by one identity-provider source (a directory:
one app per tool, each person assigned to ``apps_per_user`` apps) and ``vendors`` vendor connectors
(one app each, every person of that tool). Each simulated day is one run: ``change`` of the people
(5% by default) change, i.e. every account of theirs gets a new ``last_active`` (the worst case of
"a user changed": all of their rows differ), and per-run tool aggregates are saved as the snapshot
engine does. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import _common  # noqa: F401  (puts the repo on sys.path)

from stacktrack.plugin_api import Account, ActivityKind, AppUsage, Observation
from stacktrack.store import Store, ToolAggregate

T0 = dt.datetime(2025, 11, 1, 6, 0, tzinfo=dt.UTC)


@dataclass
class Shape:
    users: int = 50_000
    tools: int = 300
    apps_per_user: int = 1
    vendors: int = 5
    change: float = 0.05
    seed: int = 1


def config_text(shape: Shape, db: Path) -> str:
    lines = ['[stacktrack]\ncurrency = "USD"\n', f"database = {str(db)!r}\n"]
    # Real directory/connector plugins, so the analysis matches apps as in production; the tokens
    # are never used (the report only reads the store).
    lines.append('[sources.idp]\nplugin = "okta"\ntoken = "bench-token-not-used"\n')
    for v in range(shape.vendors):
        lines.append(f'[sources.vendor{v}]\nplugin = "slack"\ntoken = "bench-token-not-used"\n')
    for t in range(shape.tools):
        sources = ['"idp"'] + ([f'"vendor{t}"'] if t < shape.vendors else [])
        lines.append(
            f'[[tools]]\nid = "tool{t:03d}"\nname = "Tool {t:03d}"\nsources = [{", ".join(sources)}]\n'
            f'match = ["App {t:03d}"]\n[tools.contract]\nannual_cost = {1000 + 37 * t}\n'
            f"seats = {50 + t}\nrenewal_date = {(T0 + dt.timedelta(days=400 + t)).date()}\n"
        )
    return "\n".join(lines)


class Company:
    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.rng = random.Random(shape.seed)
        n, tools = shape.users, shape.tools
        # person -> their apps; app -> {person: Account}
        self.apps_of = [self.rng.sample(range(tools), shape.apps_per_user) for _ in range(n)]
        self.accounts: list[dict[int, Account]] = [{} for _ in range(tools)]
        for person, apps in enumerate(self.apps_of):
            for app in apps:
                self.accounts[app][person] = self._account(
                    person, T0 - dt.timedelta(days=person % 90)
                )

    def _account(self, person: int, when: dt.datetime | None) -> Account:
        return Account.model_construct(
            id=f"00u{person:08d}", email=f"person{person:06d}@example.com",
            name=f"Person {person}", last_active=when,
            activity_kind=ActivityKind.SSO if when else None,
        )  # fmt: skip

    def advance(self, day: int) -> None:
        """``change`` of the people were active today: every account of theirs changes."""
        when = T0 + dt.timedelta(days=day, minutes=self.rng.randint(0, 600))
        for person in self.rng.sample(
            range(self.shape.users), int(self.shape.users * self.shape.change)
        ):
            for app in self.apps_of[person]:
                self.accounts[app][person] = self._account(person, when)

    def idp(self) -> Observation:
        return Observation.model_construct(
            apps=[
                AppUsage.model_construct(
                    app=f"App {t:03d}", app_id=f"0oa{t:05d}", aliases=[], seats_purchased=None,
                    seats_used=None, active_users_reported=None,
                    accounts=list(self.accounts[t].values()), activity_known=True,
                    history_horizon_days=90, features=None, integrations=None,
                )
                for t in range(self.shape.tools)
            ],
            notes=[],
        )  # fmt: skip

    def vendor(self, v: int) -> Observation:
        return Observation.model_construct(
            apps=[
                AppUsage.model_construct(
                    app=None, app_id=None, aliases=[], seats_purchased=50 + v, seats_used=None,
                    active_users_reported=None, accounts=list(self.accounts[v].values()),
                    activity_known=True, history_horizon_days=None, features=None,
                    integrations=[],
                )
            ],
            notes=[],
        )  # fmt: skip

    def aggregates(self) -> list[ToolAggregate]:
        return [
            ToolAggregate(
                tool_id=f"tool{t:03d}", active_users=len(self.accounts[t]) // 2,
                seats_assigned=len(self.accounts[t]), seats_purchased=50 + t,
                never_active_users=0, utilization=0.5, annual_cost=1000.0 + 37 * t,
                idle_spend=10.0 * t, integration_status="none", flags=["low_utilization"],
            )
            for t in range(self.shape.tools)
        ]  # fmt: skip


def build(
    path: Path,
    shape: Shape,
    runs: int,
    *,
    checkpoints: dict[int, Path] | None = None,
    on_run: Callable[[int, float], None] | None = None,
) -> None:
    """Write ``runs`` daily runs to ``path``; after run k in ``checkpoints``, copy the db there."""
    import time

    company = Company(shape)
    with Store.open(path) as store:
        for day in range(runs):
            started = time.perf_counter()
            if day:
                company.advance(day)
            clock = T0 + dt.timedelta(days=day)
            run = store.begin_run(clock, clock)
            store.store_source_result(run, "idp", "manual", company.idp(), duration_s=1.0)
            for v in range(shape.vendors):
                store.store_source_result(
                    run, f"vendor{v}", "manual", company.vendor(v), duration_s=1.0
                )
            store.save_tool_aggregates(run, clock, company.aggregates())
            store.finish_run(run, "ok", 0, clock)
            if on_run:
                on_run(day + 1, time.perf_counter() - started)
            if checkpoints and day + 1 in checkpoints:
                store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copy(path, checkpoints[day + 1])


def databases(shape: Shape, runs: int, keep: tuple[int, ...]) -> dict[int, Path]:
    """The database after each run in ``keep``, built once and cached (keyed by the shape and the
    source of the store, its migrations, its change-set format and this module, so a store change
    rebuilds)."""
    import hashlib
    import tempfile
    import time

    import stacktrack.activity_log
    import stacktrack.migrations
    import stacktrack.store

    digest = hashlib.sha256(repr((shape, runs, keep)).encode())
    for module in (stacktrack.store, stacktrack.migrations, stacktrack.activity_log):
        digest.update(Path(module.__file__).read_bytes())  # type: ignore[arg-type]
    digest.update(Path(__file__).read_bytes())
    folder = Path(tempfile.gettempdir()) / "stacktrack-bench" / digest.hexdigest()[:16]
    paths = {k: folder / f"after-{k}-runs.db" for k in keep}
    if (folder / "complete").exists():
        print(f"using the databases cached in {folder}")
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    print(f"building {runs} daily runs ({shape}) into {folder} ...", flush=True)
    started = time.perf_counter()

    def progress(done: int, _seconds: float) -> None:
        if done % 50 == 0:
            print(f"  {done} runs, {time.perf_counter() - started:.0f}s", flush=True)

    work = folder / "building.db"
    for stale in folder.glob("building.db*"):
        stale.unlink()
    build(work, shape, runs, checkpoints=paths, on_run=progress)
    (folder / "complete").write_text("ok")
    print(f"built in {time.perf_counter() - started:.0f}s")
    return paths
