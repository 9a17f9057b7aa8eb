"""Integration map: tools grouped by category, each with its edges (live / stale); isolated in red.

A tree reads well in any terminal width: category -> tool (status) -> "feeds/fed by" edges. Selecting
a tool, or an edge's other end, opens that tool's detail.
"""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import Static, Tree

from stacktrack.tui.data import EdgeRow, Overview, ToolRow
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.widgets import cells


class IntegrationMapScreen(AreaScreen):
    AREA = "Integration map"

    def body(self) -> ComposeResult:
        yield Static(id="map-legend")
        tree: Tree[str] = Tree("Stack", id="map")
        tree.show_root = False
        yield tree

    def show(self, overview: Overview) -> None:
        tree = self.query_one("#map", Tree)
        tree.display = not overview.empty
        if overview.empty:
            return
        tree.clear()
        names = {t.id: t.name for t in overview.tools}
        by_tool: dict[str, list[EdgeRow]] = defaultdict(list)
        for edge in overview.edges:
            by_tool[edge.tool_id].append(edge)
            if edge.other_id != edge.tool_id:
                by_tool[edge.other_id].append(edge)
        groups: dict[str, list[ToolRow]] = defaultdict(list)
        for tool in overview.tools:
            groups[overview.categories.get(tool.id) or tool.category or "uncategorised"].append(
                tool
            )
        isolated = 0
        for category in sorted(groups):
            node = tree.root.add(Text(category, style="bold"), expand=True)
            for tool in sorted(groups[category], key=lambda t: t.name.lower()):
                edges = by_tool.get(tool.id, [])
                live = sum(e.live for e in edges)
                label = Text(tool.name)
                label.append("  ")
                label.append_text(cells.integration(tool.integration_status))
                if tool.integration_status == "isolated":
                    isolated += 1
                    label.stylize("bold red", 0, len(tool.name))
                label.append(f"  {live} live, {len(edges) - live} stale", style="dim")
                if "pilot_theatre" in tool.flags:
                    label.append("  pilot theatre", style="magenta")
                tool_node = node.add(label, data=tool.id, expand=bool(edges))
                for edge in sorted(edges, key=lambda e: (not e.live, names.get(e.other_id, ""))):
                    other = edge.other_id if edge.tool_id == tool.id else edge.tool_id
                    arrow = "→" if edge.tool_id == tool.id else "←"
                    text = Text(f"{arrow} {names.get(other, other)}  ")
                    text.append(
                        "live" if edge.live else "stale", style="green" if edge.live else "red"
                    )
                    if edge.last_used is not None:
                        text.append(f"  last used {edge.last_used:%Y-%m-%d}", style="dim")
                    tool_node.add_leaf(text, data=other)
        legend = Text(f"{len(overview.tools)} tools, {len(overview.edges)} connections, ")
        legend.append(f"{isolated} isolated", style="bold red" if isolated else "")
        legend.append(" · → feeds, ← fed by · enter opens a tool", style="dim")
        self.query_one("#map-legend", Static).update(legend)

    @on(Tree.NodeSelected, "#map")
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        overview = self.stack_app.overview
        tool_id = event.node.data
        if tool_id and overview is not None and overview.tool(tool_id) is not None:
            self.stack_app.open_tool(tool_id)
