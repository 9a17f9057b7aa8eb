"""Pilot tests: each screen driven by keys against a fixed-seed sandbox database."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input, Static, Tree

from stacktrack.analysis.models import UserRow
from stacktrack.sandbox.server import transports
from stacktrack.sandbox.world import World
from stacktrack.store import Store
from stacktrack.tui.app import make_app
from stacktrack.tui.data import ToolDetail
from stacktrack.tui.screens.help import HelpScreen
from stacktrack.tui.screens.overview import OverviewScreen
from stacktrack.tui.screens.recommendations import RecommendationsScreen
from stacktrack.tui.screens.snapshot import SnapshotScreen
from stacktrack.tui.screens.tool import PAGE, ToolScreen
from tests.tui.conftest import CLOCK, SEED, Demo, wait_for


def row_keys(table: DataTable[Any]) -> list[str]:
    return [str(row.key.value) for row in table.ordered_rows]


async def started(app: Any, pilot: Any) -> None:
    await wait_for(pilot, lambda: app.first_paint is not None)


async def test_overview_sorts_on_raw_values(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        days = (CLOCK - app.overview.as_of).days  # relative to the injected clock, not the wall
        assert screen.sub_title.endswith(f"({days} days ago)")
        table = screen.query_one("#tools", DataTable)
        tools = {t.id: t for t in app.overview.tools}
        assert len(row_keys(table)) == len(tools) > 10
        # default: money at stake, largest first, unknown last
        stakes = [app.overview.money_at_stake(k) for k in row_keys(table)]
        known = [s for s in stakes if s is not None]
        assert known == sorted(known, reverse=True)
        assert all(s is None for s in stakes[len(known) :])

        screen.sort_by("cpau", reverse=False)
        await pilot.pause()
        cpau = [tools[k].cost_per_active_user for k in row_keys(table)]
        known = [c for c in cpau if c is not None]
        assert known == sorted(known) and len(known) >= 5  # raw numbers, not "$1,234" strings
        assert all(c is None for c in cpau[len(known) :])

        await pilot.press("r")  # reverse: unknown still last
        cpau = [tools[k].cost_per_active_user for k in row_keys(table)]
        assert [c for c in cpau if c is not None] == sorted(known, reverse=True)
        assert cpau[-1] is None or all(c is not None for c in cpau)

        await pilot.press("o")  # next column after cpau
        assert screen.sort_key == "features"


async def test_overview_filters_as_you_type_and_quick_filters(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        screen = app.screen
        table = screen.query_one("#tools", DataTable)
        total = table.row_count
        await pilot.press("slash")
        assert screen.query_one("#filter", Input).has_focus
        await pilot.press(*"jasper")
        names = [app.overview.tool(k).name for k in row_keys(table)]
        assert names and all("jasper" in n.lower() for n in names)
        await pilot.press("escape")  # clears the filter
        assert table.row_count == total

        await pilot.press("p")
        pilots = row_keys(table)
        assert pilots, "the sandbox has pilot-theatre tools"
        assert all("pilot_theatre" in app.overview.tool(k).flags for k in pilots)
        expected = {t.id for t in app.overview.tools if "pilot_theatre" in t.flags}
        assert set(pilots) == expected
        await pilot.press("p", "w")
        today = app.overview.as_of.date()
        renewing = set(row_keys(table))
        soon = {t.id for t in app.overview.tools if "renewal_soon" in t.flags}
        within = {
            t.id
            for t in app.overview.tools
            if t.renewal_date and 0 <= (t.renewal_date - today).days <= 90
        }
        assert soon, "the sandbox has tools flagged renewal_soon"
        assert renewing == soon | within
        assert "renewing" in table.border_subtitle
        await pilot.press("w", "n")
        assert set(row_keys(table)) == {
            t.id for t in app.overview.tools if "no_usage_data" in t.flags
        }


async def test_drill_into_tool_and_page_users(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        table = app.screen.query_one("#tools", DataTable)
        target = next(t for t in app.overview.tools if (t.seats_assigned or 0) > 20)
        table.move_cursor(row=table.get_row_index(target.id))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolScreen) and app.screen.detail)
        screen = app.screen
        assert screen.tool_id == target.id
        users = screen.query_one("#users", DataTable)
        detail = screen.detail
        assert users.row_count == min(PAGE, len(detail.users))
        counts = detail.counts()
        if target.active_users is not None:
            assert counts["active"] == target.active_users
        assert screen.sub_title == target.name
        assert len(detail.trend) >= 1
        await pilot.press("u")  # active only
        assert all(str(users.get_row_at(i)[2]) == "active" for i in range(users.row_count))
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_fifty_thousand_users_are_paged(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        tool = app.overview.tools[0]
        t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        many = tuple(
            UserRow(
                f"u{i}@x.example",
                f"u{i}@x.example",
                None,
                t0 - dt.timedelta(minutes=i),
                "okta",
                "sso",
                "active",
                True,
                False,
                ("okta",),
                None,
            )
            for i in range(50_000)
        )
        detail = ToolDetail(tool, [], many)
        app.data.load_detail = lambda _tool_id: detail
        app.open_tool(tool.id)
        await wait_for(pilot, lambda: isinstance(app.screen, ToolScreen) and app.screen.detail)
        users = app.screen.query_one("#users", DataTable)
        assert users.row_count == PAGE
        assert users.get_row_at(0)[0] == "u0@x.example"
        await pilot.press("right_square_bracket")
        assert users.get_row_at(0)[0] == f"u{PAGE}@x.example"
        assert "page 2/500" in app.screen.query_one("#users-title", Static).content.plain


async def test_accept_and_dismiss_are_persisted(app_factory: Any, demo: Demo) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await pilot.press("2")
        screen = app.screen
        assert isinstance(screen, RecommendationsScreen)
        await wait_for(pilot, lambda: screen.rows)
        table = screen.query_one("#recs", DataTable)
        assert len(screen.rows) >= 2
        first, second = screen.rows[0], screen.rows[1]
        table.focus()
        await pilot.press("a")  # asks for a note first
        await wait_for(pilot, lambda: app.screen.query("#note"))
        await pilot.press(*"agreed with finance", "enter")
        await wait_for(pilot, lambda: screen.rows[0].status == "accepted")
        await pilot.press("down", "d")
        await wait_for(pilot, lambda: app.screen.query("#note"))
        await pilot.press("escape")  # cancelled: nothing recorded
        await pilot.pause()
        assert screen.rows[1].status == "open"
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.query("#note"))
        await pilot.press("enter")  # no note
        await wait_for(pilot, lambda: screen.rows[1].status == "dismissed")
        detail = screen.query_one("#rec-detail", Static)
        await pilot.press("up")
        await wait_for(pilot, lambda: "agreed with finance" in str(detail.content))
    with Store.open(demo.db_path) as store:
        states = store.recommendation_states()
        decisions = store.decisions()
    assert states[first.id] == "accepted"
    assert states[second.id] == "dismissed"
    assert decisions[first.id].note == "agreed with finance"
    assert not decisions[second.id].note

    reopened = app_factory()  # a new session shows the stored state
    async with reopened.run_test(size=(160, 48)) as pilot:
        await started(reopened, pilot)
        recs = {r.id: r.status for r in reopened.overview.recommendations}
        assert recs[first.id] == "accepted" and recs[second.id] == "dismissed"
        await pilot.press("2")
        screen = reopened.screen
        await wait_for(pilot, lambda: screen.rows)
        screen.query_one("#recs", DataTable).focus()
        await pilot.press("u")
        await wait_for(pilot, lambda: screen.rows[0].status == "open")
    with Store.open(demo.db_path) as store:
        assert first.id not in store.recommendation_states()


async def test_export_csv_asks_confirms_and_writes(app_factory: Any, tmp_path: Path) -> None:
    app = app_factory()
    target = tmp_path / "out" / "recs.csv"
    target.parent.mkdir()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await pilot.press("2")
        screen = app.screen
        await wait_for(pilot, lambda: screen.rows)
        expected = [r.id for r in screen.rows]
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.query("#path"))
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query("#question"))
        assert not target.exists()  # nothing written before confirming
        await pilot.press("y")
        await wait_for(pilot, lambda: target.exists())
        await wait_for(pilot, lambda: any("written" in n.message for n in app._notifications))
    with target.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert reader.fieldnames is not None and reader.fieldnames[:3] == [
            "id",
            "action",
            "tool_id",
        ]
        rows = list(reader)
    assert sorted(r["id"] for r in rows) == sorted(expected)
    assert all(float(r["annual_savings"]) >= 0 for r in rows if r["annual_savings"])


async def test_snapshot_from_the_ui_against_the_emulators(app_factory: Any, demo: Demo) -> None:
    world = World.generate(SEED)
    instant = demo.last_run_at + dt.timedelta(days=7)
    options = {"now": instant, "transports": transports(world, instant, "hubspot:401=1")}
    app = app_factory(snapshot_options=options)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        before = app.overview.run_id
        await pilot.press("s")
        assert isinstance(app.screen, SnapshotScreen)
        await wait_for(pilot, lambda: not app.snapshot_running, limit=30)
        await wait_for(pilot, lambda: app.overview.run_id != before)
        kinds = {(e.source, e.kind) for e in app.snapshot_events}
        assert ("okta", "started") in kinds and ("okta", "finished") in kinds
        assert ("hubspot", "failed") in kinds
        progress = app.screen.query_one("#snapshot-sources", DataTable)
        assert "hubspot" in row_keys(progress)
        titles = [n.title for n in app._notifications]
        assert "Source hubspot failed" in titles
        assert app.overview.as_of == instant
    with Store.open(demo.db_path) as store:
        run = store.latest_run()
    assert run is not None and run.id == app.overview.run_id and run.status == "partial"


async def test_empty_database_shows_how_to_start(demo: Demo, tmp_path: Path) -> None:
    app = make_app(demo.config(), tmp_path / "new.db", clock=lambda: CLOCK)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.overview is not None)
        await pilot.pause()
        empty = app.screen.query_one("#empty", Static)
        assert empty.display
        text = str(empty.content)
        assert "stacktrack snapshot" in text and "stacktrack demo" in text
        assert not app.screen.query_one("#tools", DataTable).display

    app = make_app(None, tmp_path / "none.db", clock=lambda: CLOCK)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.overview is not None)
        await pilot.pause()
        text = str(app.screen.query_one("#empty", Static).content)
        assert "stacktrack demo" in text and "stacktrack init" in text
        await pilot.press("s")  # no config: a warning, no crash
        assert not app.snapshot_running


async def test_map_renewals_shadow_help_and_theme(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await pilot.press("4")
        tree = app.screen.query_one("#map", Tree)
        categories = list(tree.root.children)
        tool_nodes = [node for cat in categories for node in cat.children]
        assert {n.data for n in tool_nodes} == {t.id for t in app.overview.tools}
        isolated = [t for t in app.overview.tools if t.integration_status == "isolated"]
        assert (
            f"{len(isolated)} isolated" in app.screen.query_one("#map-legend", Static).content.plain
        )
        tree.focus()
        tree.select_node(tool_nodes[0])
        await wait_for(pilot, lambda: isinstance(app.screen, ToolScreen))
        assert app.screen.tool_id == tool_nodes[0].data
        await pilot.press("escape")

        await pilot.press("3")
        table = app.screen.query_one("#renewals", DataTable)
        today = app.overview.as_of.date()
        keys = row_keys(table)
        assert keys
        notices = [app.overview.tool(k).notice_deadline for k in keys]
        assert notices == sorted(notices)
        assert all((app.overview.tool(k).renewal_date - today).days <= 365 for k in keys)

        await pilot.press("5")
        shadow = app.screen.query_one("#shadow", DataTable)
        assert shadow.row_count == len(app.overview.unmatched) > 0

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        theme = app.theme
        await pilot.press("ctrl+t")
        assert app.theme != theme
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for title in ("Run a snapshot", "Recommendations", "Integration map", "Shadow IT", "Help"):
            assert title in titles
