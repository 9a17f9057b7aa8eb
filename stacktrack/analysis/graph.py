"""The integration graph (docs/methodology.md): edges between configured tools, live or stale.

Edges come from ``AppUsage.integrations`` (OAuth grants, connected apps, Segment destinations, Slack
apps, ...): the tools the observed app belongs to on one end, the tool the integration's app name
resolves to (id, name, ``match``, catalog aliases) on the other. ``integrates_with`` in the config
adds edges no API can see (unknown last use, so live). An integration whose app matches no tool is
reported as an unmatched app with the users the source saw using it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from stacktrack.analysis.matching import Assignment, NameIndex
from stacktrack.analysis.models import Edge, EdgeEvidence, IntegrationRow, UnmatchedApp
from stacktrack.config_models import ConfigFile


@dataclass
class _EdgeDraft:
    flows: set[tuple[str, str]] = field(default_factory=set)
    bidirectional: bool = False
    live: bool = False
    last_used: dt.datetime | None = None
    evidence: list[EdgeEvidence] = field(default_factory=list)


def build_graph(
    config: ConfigFile,
    assignments: list[Assignment],
    index: NameIndex,
    as_of: dt.datetime,
) -> tuple[list[Edge], list[UnmatchedApp]]:
    cutoff = as_of - dt.timedelta(days=config.stacktrack.integration_window_days)
    drafts: dict[tuple[str, str], _EdgeDraft] = {}
    unmatched: list[UnmatchedApp] = []

    def add(owner: str, other: str, direction: str, evidence: EdgeEvidence) -> None:
        key = (owner, other) if owner < other else (other, owner)
        draft = drafts.setdefault(key, _EdgeDraft())
        if direction == "in":
            draft.flows.add((other, owner))
        elif direction == "out":
            draft.flows.add((owner, other))
        else:
            draft.bidirectional = True
        last = evidence.last_used
        # Unknown last use counts as live; a vendor that counted the uses and found none (a
        # Segment destination that delivered nothing) is evidence of a stale edge.
        if (last is None and evidence.use_count != 0) or (last is not None and last >= cutoff):
            draft.live = True
        if last is not None and (draft.last_used is None or last > draft.last_used):
            draft.last_used = last
        draft.evidence.append(evidence)

    for assignment in assignments:
        integrations = assignment.usage.integrations
        if not integrations:
            continue
        for integration in integrations:
            targets = index.lookup(integration.app)
            if not targets:
                unmatched.append(
                    UnmatchedApp(assignment.source, integration.app, integration.active_users)
                )
                continue
            evidence = EdgeEvidence(
                source=assignment.source,
                app=integration.app,
                kind=integration.kind,
                last_used=integration.last_used,
                use_count=integration.use_count,
            )
            for owner in assignment.tools:
                for target in targets:
                    if target != owner:
                        add(owner, target, integration.direction, evidence)

    for tool in config.tools:
        for other in tool.integrates_with:
            if other != tool.id:
                add(
                    tool.id,
                    other,
                    "both",
                    EdgeEvidence("config", other, "integrates_with", None, None),
                )

    edges: list[Edge] = []
    for (first, second), draft in sorted(drafts.items()):
        bidirectional = draft.bidirectional or len(draft.flows) > 1
        a, b = (first, second) if bidirectional or not draft.flows else next(iter(draft.flows))
        edges.append(
            Edge(
                a=a,
                b=b,
                bidirectional=bidirectional,
                live=draft.live,
                last_used=draft.last_used,
                evidence=tuple(draft.evidence),
            )
        )
    return edges, unmatched


def integration_rows(edges: list[Edge]) -> dict[str, list[IntegrationRow]]:
    """Each edge as seen from both of its ends."""
    rows: dict[str, list[IntegrationRow]] = defaultdict(list)
    for edge in edges:
        for me in (edge.a, edge.b):
            direction = "both" if edge.bidirectional else ("out" if me == edge.a else "in")
            rows[me].append(
                IntegrationRow(
                    tool_id=edge.other(me),
                    direction=direction,  # type: ignore[arg-type]
                    live=edge.live,
                    last_used=edge.last_used,
                    evidence=edge.evidence,
                )
            )
    return rows
