"""Which tool each observed app belongs to (docs/architecture.md "Analysis input").

A vendor connector's own app (``AppUsage.app is None``) belongs to every tool that lists the source.
A directory that is also a product (Google Workspace) reports its own app next to the labelled ones:
there the own app belongs only to the listing tools that *are* that product (by the plugin name or its
catalog entry) — otherwise every SSO tool listing ``google_workspace`` would inherit every Workspace
user. A directory's app (Okta, Google Workspace) belongs to the tools that list the source and whose id,
name, ``match`` entries or catalog aliases equal the app label or one of ``AppUsage.aliases``
(case-insensitive). A directory app that matches no configured tool at all is shadow IT
(``UnmatchedApp``); one that matches a tool which does not list that source is ignored (the user
chose not to measure the tool through that source).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from stacktrack.analysis.models import UnmatchedApp
from stacktrack.catalog import Catalog, Product
from stacktrack.config_models import ConfigFile, ToolConfig
from stacktrack.plugin_api import AppUsage
from stacktrack.state import StackState


@dataclass(frozen=True, slots=True)
class Assignment:
    """One observed app and the tools it belongs to (possibly none)."""

    source: str
    usage: AppUsage
    tools: tuple[str, ...]


def product_of(tool: ToolConfig, catalog: Catalog) -> Product | None:
    return catalog.get(tool.product)


def tool_names(tool: ToolConfig, catalog: Catalog) -> set[str]:
    """Every name (casefolded) a source may use for ``tool``."""
    names = {tool.id, tool.name, *tool.match}
    product = product_of(tool, catalog)
    if product is not None:
        names.update(product.names())
    return {name.strip().casefold() for name in names if name and name.strip()}


class NameIndex:
    """Casefolded name -> the tool ids that answer to it."""

    def __init__(self, config: ConfigFile, catalog: Catalog) -> None:
        self._index: dict[str, list[str]] = defaultdict(list)
        for tool in config.tools:
            for name in tool_names(tool, catalog):
                self._index[name].append(tool.id)

    def lookup(self, *names: str | None) -> list[str]:
        found: list[str] = []
        for name in names:
            if not name:
                continue
            for tool_id in self._index.get(name.strip().casefold(), ()):
                if tool_id not in found:
                    found.append(tool_id)
        return found


def assign_apps(
    config: ConfigFile,
    state: StackState,
    index: NameIndex,
    catalog: Catalog,
    default_window_days: int,
) -> tuple[list[Assignment], list[UnmatchedApp]]:
    """Attach every app of every source's latest successful observation to its tools."""
    listed_by: dict[str, list[str]] = defaultdict(list)
    for tool in config.tools:
        for source in tool.sources:
            listed_by[source].append(tool.id)
    cutoff = state.as_of - dt.timedelta(days=default_window_days)
    assignments: list[Assignment] = []
    unmatched: list[UnmatchedApp] = []
    for name in sorted(state.sources):
        source_state = state.sources[name]
        observation = source_state.observation
        if observation is None:
            continue
        owners = listed_by.get(name, [])
        own_tools = _own_product_tools(source_state.plugin, owners, index, catalog)
        is_directory = any(usage.app is not None for usage in observation.apps)
        for usage in observation.apps:
            if usage.app is None:
                if own_tools:
                    tools = own_tools
                elif is_directory:
                    tools = ()  # the directory's own product is not in the inventory
                else:
                    tools = tuple(owners)
                assignments.append(Assignment(name, usage, tools))
                continue
            candidates = index.lookup(usage.app, *usage.aliases)
            tools = tuple(tool_id for tool_id in candidates if tool_id in owners)
            assignments.append(Assignment(name, usage, tools))
            if not candidates:
                unmatched.append(UnmatchedApp(name, usage.app, _active_accounts(usage, cutoff)))
    return assignments, unmatched


def _own_product_tools(
    plugin: str, owners: list[str], index: NameIndex, catalog: Catalog
) -> tuple[str, ...]:
    """The listing tools that are the source's own product (plugin name or its catalog entry)."""
    product = catalog.get(plugin)
    names = product.names() if product is not None else (plugin,)
    return tuple(tool_id for tool_id in index.lookup(*names) if tool_id in owners)


def _active_accounts(usage: AppUsage, cutoff: dt.datetime) -> int | None:
    """Distinct accounts of a directory app active since ``cutoff``; ``None`` when unknowable."""
    if usage.accounts is None:
        return None
    known = usage.activity_known
    active: set[str] = set()
    for account in usage.accounts:
        if account.last_active is not None:
            known = True
            if account.last_active >= cutoff:
                active.add(account.email or account.id)
    return len(active) if known else None
