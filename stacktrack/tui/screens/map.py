"""Integration map: tools grouped by category, each connection listed once, with its direction.

A tree reads well in any terminal width: category -> tool (status, counts) -> the connections it
feeds (``→``, or ``↔`` both ways). A connection appears once, under the tool the data leaves from;
the other end's label counts it as "in". Selecting a tool, or a connection's other end, opens that
tool's detail.
"""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static, Tree

from stacktrack.analysis.models import Edge, ToolFigures
from stacktrack.tui.data import Overview
from stacktrack.tui.screens.base import AreaScreen
from stacktrack.tui.widgets import cells


class MapTree(Tree[str]):
    BINDINGS = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]


def edge_text(edge: Edge, other_name: str) -> Text:
    arrow = "↔" if edge.bidirectional else "→"
    text = Text(f"{arrow} {other_name}  ")
    text.append("live" if edge.live else "stale", style="green" if edge.live else "red")
    if edge.last_used is not None:
        text.append(f"  last used {edge.last_used:%Y-%m-%d}", style="dim")
    seen = sorted({f"{e.source}:{e.kind}" for e in edge.evidence})
    if seen:
        text.append(f"  seen by {', '.join(seen)}", style="dim")
    return text


class IntegrationMapScreen(AreaScreen):
    AREA = "Integration map"

    def body(self) -> ComposeResult:
        yield Static(id="map-legend")
        tree = MapTree("Stack", id="map")
        tree.show_root = False
        yield tree

    def show(self, overview: Overview) -> None:
        tree = self.query_one("#map", Tree)
        tree.display = not overview.empty
        if overview.empty:
            return
        tree.clear()
        outgoing: dict[str, list[Edge]] = defaultdict(list)
        incoming: dict[str, int] = defaultdict(int)
        for edge in overview.edges:
            outgoing[edge.a].append(edge)
            incoming[edge.b] += 1
        groups: dict[str, list[ToolFigures]] = defaultdict(list)
        for tool in overview.tools:
            groups[tool.category or "uncategorised"].append(tool)
        isolated = 0
        for category in sorted(groups):
            node = tree.root.add(Text(category, style="bold"), expand=True)
            for tool in sorted(groups[category], key=lambda t: t.name.lower()):
                edges = outgoing.get(tool.id, [])
                label = Text(tool.name)
                label.append("  ")
                label.append_text(cells.integration(tool.integration_status))
                if tool.integration_status == "isolated":
                    isolated += 1
                    label.stylize("bold red", 0, len(tool.name))
                stale = sum(not e.live for e in edges)
                label.append(f"  {len(edges)} out, {incoming.get(tool.id, 0)} in", style="dim")
                if stale:
                    label.append(f", {stale} stale", style="red")
                if "pilot_theatre" in tool.flags:
                    label.append("  pilot theatre", style="magenta")
                tool_node = node.add(label, data=tool.id, expand=bool(edges))
                for edge in sorted(edges, key=lambda e: (not e.live, overview.name(e.b))):
                    tool_node.add_leaf(edge_text(edge, overview.name(edge.b)), data=edge.b)
        legend = Text(f"{len(overview.tools)} tools, {len(overview.edges)} connections, ")
        legend.append(f"{isolated} isolated", style="bold red" if isolated else "")
        legend.append(
            " · each connection once, under the tool it leaves: → feeds, ↔ both ways"
            " · enter opens a tool",
            style="dim",
        )
        self.query_one("#map-legend", Static).update(legend)

    @on(Tree.NodeSelected, "#map")
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        overview = self.stack_app.overview
        tool_id = event.node.data
        if tool_id and overview is not None and overview.tool(tool_id) is not None:
            self.stack_app.open_tool(tool_id)
