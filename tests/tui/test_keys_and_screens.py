"""Pilot tests for the habits of terminal apps and the screens' new actions (issue: TUI habits)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Footer, Markdown, Static, Tree

from stacktrack.tui.app import make_app
from stacktrack.tui.data import in_group
from stacktrack.tui.screens.help import HelpScreen
from stacktrack.tui.screens.overview import OverviewScreen
from stacktrack.tui.screens.shadow import ShadowAppScreen, ShadowScreen
from stacktrack.tui.screens.tool import ToolScreen
from stacktrack.tui.widgets import cells
from tests.tui.conftest import CLOCK, Demo, wait_for


async def started(app: Any, pilot: Any) -> None:
    await wait_for(pilot, lambda: app.first_paint is not None)


def footer_text(app: Any) -> str:
    from textual.widgets._footer import FooterKey

    keys = app.screen.query_one(Footer).query(FooterKey)
    return " ".join(f"{k.key_display} {k.description}" for k in keys)


async def test_j_k_g_move_in_tables_and_footer_puts_help_and_quit_first(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        table = app.screen.query_one("#tools", DataTable)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.pause()
        shown = footer_text(app)
        # ? and q come before the area keys, so an 80-column footer never cuts them off
        assert shown.index("Help") < shown.index("Filter") and shown.index("Quit") < shown.index(
            "Overview"
        )
        assert "Reverse" in shown and "Open" in shown
        await pilot.press("2")
        await pilot.pause()
        assert "Reopen" in footer_text(app)


async def test_renewing_filter_empty_message_and_filter_state(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        screen = app.screen
        table = screen.query_one("#tools", DataTable)
        flagged = {t.id for t in app.overview.tools if "renewal_soon" in t.flags}
        await pilot.press("w")
        assert flagged and flagged <= {str(r.key.value) for r in table.ordered_rows}
        quick = screen.query_one("#quick", Static).content.plain
        assert "✓renewing" in quick
        assert f"{table.row_count} of {len(app.overview.tools)}" in quick  # visible, not a border
        await pilot.press("slash", *"zzzz-no-such-tool")
        assert table.row_count == 0
        message = screen.query_one("#no-match", Static)
        assert message.display and "zzzz-no-such-tool" in str(message.content)
        assert "esc" in str(message.content)
        await pilot.press("enter", "escape")
        assert table.row_count == len(app.overview.tools)
        assert not screen.query_one("#no-match", Static).display
        labels = [str(c.label) for c in table.columns.values()]
        assert "Annual cost" in labels and "Data" in labels
        assert "⚠" in str(screen.query_one("#legend", Static).content)


async def test_palette_finds_actions_from_any_screen(app_factory: Any, demo: Demo) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        overview = app.screen
        titles = [c.title for c in app.get_system_commands(overview)]
        for word in ("Accept", "pilot", "Export", "Shadow IT", "Sort by"):
            assert any(word in t for t in titles), word
        # accept from the overview acts on the selected tool's recommendation
        table = overview.query_one("#tools", DataTable)
        first = str(table.ordered_rows[0].key.value)
        rec = app.overview.recommendation(first)
        assert rec is not None and rec.status == "open"
        accept = next(c for c in app.get_system_commands(overview) if c.title.startswith("Accept"))
        accept.callback()
        await wait_for(pilot, lambda: app.screen.query("#note"))
        await pilot.press(*"from the palette", "enter")
        await wait_for(pilot, lambda: app.overview.recommendation(first).status == "accepted")
        assert app.overview.recommendation(first).decision_note == "from the palette"
        pilot_filter = next(
            c for c in app.get_system_commands(overview) if "pilot theatre" in c.title
        )
        pilot_filter.callback()
        await wait_for(pilot, lambda: "pilot_theatre" in overview.quick)


async def test_help_covers_every_area_and_says_how_to_close(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await wait_for(pilot, lambda: app.screen.rendered)
        text = app.screen.query_one(Markdown).source
        for area in ("## Renewals", "## Integration map", "## Shadow IT", "## Recommendations"):
            assert area in text
        assert "to close this help" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_theme_is_kept_across_restarts(demo: Demo, tmp_path: Path) -> None:
    prefs = tmp_path / "config" / "tui.json"
    app = make_app(demo.config(), demo.db_path, clock=lambda: CLOCK, prefs_path=prefs)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        before = app.theme
        await pilot.press("ctrl+t")
        await pilot.pause()
        changed = app.theme
        assert changed != before
    assert prefs.exists()
    again = make_app(demo.config(), demo.db_path, clock=lambda: CLOCK, prefs_path=prefs)
    async with again.run_test(size=(80, 24)) as pilot:
        await started(again, pilot)
        assert again.theme == changed


async def test_tool_detail_counts_match_the_lists_and_flags_read_as_words(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        target = next(
            t
            for t in app.overview.tools
            if t.flags and any(u.status == "inactive" and u.assigned for u in t.users)
        )
        app.open_tool(target.id)
        await wait_for(pilot, lambda: isinstance(app.screen, ToolScreen) and app.screen.detail)
        screen = app.screen
        counts = screen.detail.counts()
        assert counts["never_active"] == target.never_active_users
        assert sum(counts.values()) == len(screen.detail.users)
        users = screen.query_one("#users", DataTable)
        for group in ("active", "inactive", "never_active"):
            await pilot.press("u")
            assert screen.group == group
            assert users.row_count == min(100, counts[group]) > 0
            shown = {str(users.get_row_at(i)[2]) for i in range(users.row_count)}
            assert shown == {group.replace("_", " ")}
        assert screen.users_shown() and all(
            in_group(u, "never_active") for u in screen.users_shown()
        )
        figures = screen.query_one("#figures", Static).content
        plain = str(getattr(figures, "renderables", [figures])[0])
        for flag in target.flags:
            assert cells.flag(flag) in plain and flag not in plain.replace(cells.flag(flag), "")


async def test_map_lists_each_connection_once_with_direction(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await pilot.press("4")
        tree = app.screen.query_one("#map", Tree)
        leaves = [
            leaf for cat in tree.root.children for tool in cat.children for leaf in tool.children
        ]
        assert len(leaves) == len(app.overview.edges) > 0
        for leaf in leaves:
            assert str(leaf.label)[0] in "→↔"
        pairs = [(tool.data, leaf.data) for cat in tree.root.children for tool in cat.children
                 for leaf in tool.children]  # fmt: skip
        assert len({frozenset(p) for p in pairs}) == len(pairs)


async def test_shadow_it_enter_shows_users_sources_and_adds_a_tool(
    app_factory: Any, demo: Demo
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        await pilot.press("5")
        screen = app.screen
        assert isinstance(screen, ShadowScreen)
        table = screen.query_one("#shadow", DataTable)
        table.focus()
        seen = screen.apps[0]
        await pilot.press("enter")
        assert isinstance(app.screen, ShadowAppScreen)
        dialog = app.screen
        await wait_for(pilot, lambda: dialog.users is not None)
        assert len(dialog.users) >= max(a.active_users or 0 for a in seen) > 0
        assert {u.source for u in dialog.users} <= {a.source for a in seen}
        seen_by = dialog.query_one("#shadow-seen", Static).content.plain
        assert all(a.source in seen_by for a in seen)
        snippet = tomllib.loads(dialog.snippet)["tools"][0]
        assert snippet["match"] == [seen[0].app]
        assert snippet["sources"] == [a.source for a in seen]
        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.query("#question"))
        await pilot.press("y")
        await wait_for(pilot, lambda: any("added" in (n.title or "") for n in app._notifications))
    appended = tomllib.loads(demo.config_path.read_text(encoding="utf-8"))
    assert appended["tools"][-1]["match"] == [seen[0].app]
    assert demo.config().file.tools[-1].name == seen[0].app  # still a valid config


async def test_overview_screen_is_the_home(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await started(app, pilot)
        assert isinstance(app.screen, OverviewScreen)


async def test_header_shows_stack_wide_capability_utilization(demo: Demo) -> None:
    import dataclasses

    from stacktrack.tui.data import default_analyzer

    def analyzer(config: Any, state: Any, decisions: Any) -> Any:
        analysis = default_analyzer(config, state, decisions)
        totals = dataclasses.replace(
            analysis.totals,
            capability_utilization=0.25,
            features_used=3,
            features_measured=12,
            tools_measured=2,
        )
        return dataclasses.replace(analysis, totals=totals)

    app = make_app(demo.config(), demo.db_path, clock=lambda: CLOCK, analyzer=analyzer)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        header = app.screen.query_one("#totals", Static).content.plain
        assert "Capability utilization 25%" in header
        assert "3 of 12 paid features used; 2 of" in header
        labels = [str(c.label) for c in app.screen.query_one("#tools", DataTable).columns.values()]
        assert "Features" in labels


async def test_stale_data_shows_its_age_in_the_data_column(demo: Demo) -> None:
    import dataclasses
    import datetime as dt

    from stacktrack.tui.data import default_analyzer

    def analyzer(config: Any, state: Any, decisions: Any) -> Any:
        analysis = default_analyzer(config, state, decisions)
        first = analysis.tools[0]
        old = dataclasses.replace(
            first,
            flags=(*first.flags, "stale_data"),
            data_as_of=analysis.as_of - dt.timedelta(days=9),
        )
        return dataclasses.replace(analysis, tools=(old, *analysis.tools[1:]))

    app = make_app(demo.config(), demo.db_path, clock=lambda: CLOCK, analyzer=analyzer)
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        table = app.screen.query_one("#tools", DataTable)
        stale_id = app.overview.tools[0].id
        cell = str(table.get_cell(stale_id, "freshness"))
        assert cell == "⚠ 9d old, stale"
        others = [str(table.get_cell(t.id, "freshness")) for t in app.overview.tools[1:]]
        assert "stale" not in " ".join(others)


async def test_verdicts_come_from_the_analysis_including_needs_data(app_factory: Any) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        table = app.screen.query_one("#tools", DataTable)
        shown = {
            str(r.key.value): str(table.get_cell(r.key, "verdict")) for r in table.ordered_rows
        }
        for tool in app.overview.tools:
            assert shown[tool.id] == tool.verdict.replace(
                "_", " " if tool.verdict == "needs_data" else "-"
            )
        assert "needs data" in shown.values(), "the demo has a tool without usage data"


async def test_tool_detail_shows_the_plan_volume_where_the_contract_names_one(
    app_factory: Any,
) -> None:
    app = app_factory()
    async with app.run_test(size=(160, 48)) as pilot:
        await started(app, pilot)
        segment = next(t for t in app.overview.tools if t.id == "segment")
        volume = segment.volume
        assert volume is not None and volume.included == 100_000
        app.open_tool("segment")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolScreen) and app.screen.detail)
        plain = _rendered(app.screen.query_one("#figures", Static).content)
        [row] = [line for line in plain.splitlines() if "plan volume" in line]
        used = "unknown" if volume.used is None else f"{volume.used:,}"
        assert f"{used} / 100,000 MTU" in row
        if volume.utilization is not None:
            assert f"({volume.utilization:.0%})" in row
        # a tool whose contract names no volume and whose sources report none shows no such row
        app.pop_screen()
        app.open_tool("hubspot")
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ToolScreen)
                and app.screen.detail is not None
                and app.screen.detail.figures.id == "hubspot"
            ),
        )
        assert "plan volume" not in _rendered(app.screen.query_one("#figures", Static).content)


def _rendered(content: Any) -> str:
    """What a Static's Rich content reads as on a 160-column screen, as plain text."""
    import io

    from rich.console import Console

    console = Console(width=160, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()
