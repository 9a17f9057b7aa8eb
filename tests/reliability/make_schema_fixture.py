"""Write a migration fixture: a database made by the CURRENT schema, with rows in every table.

    .venv/bin/python -m tests.reliability.make_schema_fixture tests/fixtures/schema_v<N>.db

Run it (with the code at schema version N) and commit the result *before* adding migration N+1; never
regenerate an existing fixture. ``test_migrations.py`` opens every ``schema_v*.db`` with the current
code and checks that every row survived. See docs/benchmarks.md, "Migration fixtures".
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from pathlib import Path

from stacktrack.plugin_api import (
    Account,
    AccountStatus,
    ActivityKind,
    AppUsage,
    FeatureUsage,
    Integration,
    Observation,
    VolumeUsage,
)
from stacktrack.store import Store, ToolAggregate

T0 = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)


def _accounts(day: int) -> list[Account]:
    return [
        Account(
            id="U001", email="ada@example.com", name="Ada Lovelace",
            last_active=T0 + dt.timedelta(days=day), activity_kind=ActivityKind.LOGIN,
        ),
        Account(id="U002", email="bob@example.com", name="Bob", guest=True),
        Account(
            id="U003", email="cy@example.com", status=AccountStatus.SUSPENDED, assigned=False,
            last_active=T0 - dt.timedelta(days=40), activity_kind=ActivityKind.API,
        ),
        *(
            [Account(id="U004", email="dee@example.com", name="=HYPERLINK(\"x\")")]
            if day == 0 else []
        ),
    ]  # fmt: skip


def _vendor(day: int) -> Observation:
    return Observation(
        apps=[
            AppUsage(
                seats_purchased=25, seats_used=3, accounts=_accounts(day), activity_known=True,
                history_horizon_days=90,
                features=[FeatureUsage(feature="workflows", active_users=2, events=17,
                                       last_used=T0 + dt.timedelta(days=day)),
                          FeatureUsage(feature="ai-assistant", name="Sales Cloud Einstein",
                                       active_users=6, seats_purchased=50, seats_assigned=48,
                                       window_days=30, every_user=True)],
                integrations=[Integration(app="Segment", kind="destination", direction="in",
                                          last_used=T0, use_count=3, active_users=None)],
                volume=[VolumeUsage(metric="mtu", used=4_300 + day, period_start=T0.date().replace(day=1),
                                    period_end=dt.date(2026, 1, 31), as_of=T0)],
            )
        ],
        notes=["login history limited to 90 days"],
    )  # fmt: skip


def _directory(day: int) -> Observation:
    return Observation(
        apps=[
            AppUsage(
                app="HubSpot", app_id="0oaHS", aliases=["HubSpot CRM"], seats_purchased=None,
                accounts=_accounts(day)[: 2 + day % 2], activity_known=True,
            ),
            AppUsage(app="Canva", app_id="0oaCV", accounts=[], activity_known=False,
                     integrations=[]),
            AppUsage(app="Manual count", active_users_reported=7, accounts=None),
        ]
    )  # fmt: skip


def build(path: Path) -> None:
    if path.exists():
        raise SystemExit(
            f"{path} exists: fixtures are never regenerated (see the module docstring)"
        )
    with Store.open(path) as store:
        for day in range(3):
            clock = T0 + dt.timedelta(days=day)
            run = store.begin_run(clock, clock + dt.timedelta(minutes=1))
            store.store_source_result(run, "hubspot", "hubspot", _vendor(day), duration_s=1.5)
            if day == 1:
                store.store_source_failure(
                    run, "okta", "okta", error="the credentials were rejected (HTTP 401)",
                    kind="authentication", duration_s=0.2,
                )  # fmt: skip
            else:
                store.store_source_result(run, "okta", "okta", _directory(day), duration_s=2.0)
            store.save_tool_aggregates(
                run, clock,
                [
                    ToolAggregate("hubspot", 2, 3, 25, 1, 0.12, 9000.0, 7920.0, "live",
                                  ["low_utilization"], features_used=1, features_measured=3,
                                  capability_utilization=1 / 3, volume_metric="mtu",
                                  volume_used=4_300 + day, volume_included=10_000,
                                  volume_utilization=(4_300 + day) / 10_000),
                    ToolAggregate("canva", None, 0, None, None, None, None, None, None, []),
                ],
            )  # fmt: skip
            if day < 2:  # the last run stays "running", as after a crash
                store.finish_run(run, "partial" if day == 1 else "ok", 3 if day == 1 else 0, clock)
        store.set_recommendation_state("cut:canva", "dismissed")
        store.set_recommendation_state("downsize:hubspot", "accepted")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("VACUUM")
    conn.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]))
