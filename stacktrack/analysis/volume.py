"""The plan volume figure of one tool (docs/methodology.md, "Plan volume").

A plan that includes a volume (``[tools.contract] plan_volume`` of ``plan_volume_metric``) is set
against what a source reports as used this period (``AppUsage.volume``). Pure: no I/O, no clock.
"""

from __future__ import annotations

import datetime as dt

from stacktrack.analysis.models import VolumeFigures
from stacktrack.config_models import ToolConfig
from stacktrack.plugin_api import AppUsage, VolumeUsage


def tool_volume(
    tool: ToolConfig, tool_usages: list[tuple[str, AppUsage]]
) -> tuple[VolumeFigures | None, dict[str, str]]:
    """The figure and its evidence; ``None`` when the contract names no plan volume and no source
    reports one."""
    contract = tool.contract
    included = contract.plan_volume if contract is not None else None
    metric = contract.plan_volume_metric if contract is not None else None
    observed = [(source, entry) for source, usage in tool_usages for entry in usage.volume or ()]
    if metric is None:
        if not observed:
            return None, {}
        metric = observed[0][1].metric  # no contract term: the first metric a source reports
    candidates = [(source, entry) for source, entry in observed if entry.metric == metric]
    evidence: dict[str, str] = {}
    chosen: tuple[str, VolumeUsage] | None = None
    if candidates:
        chosen = max(candidates, key=_recency)
    if chosen is None:
        evidence["volume_used"] = f"unknown: no source reports {metric} for this tool"
        source = entry = None
    else:
        source, entry = chosen
        period = f"{entry.period_start} to {entry.period_end}" if entry.period_start else "a period"
        evidence["volume_used"] = f"{source}: {metric} used in {period} (the latest count)"
    if included is not None:
        evidence["volume_included"] = "contract.plan_volume in the config"
    used = entry.used if entry is not None else None
    utilization = used / included if used is not None and included else None
    if utilization is not None:
        evidence["volume_utilization"] = "volume used / contract.plan_volume"
    return (
        VolumeFigures(
            metric=metric,
            used=used,
            included=included,
            utilization=utilization,
            period_start=entry.period_start if entry is not None else None,
            period_end=entry.period_end if entry is not None else None,
            as_of=entry.as_of if entry is not None else None,
            source=source,
        ),
        evidence,
    )


def _recency(candidate: tuple[str, VolumeUsage]) -> tuple[dt.date, dt.datetime, int]:
    """The latest period, then the latest count, then the largest (two sources of one metric)."""
    entry = candidate[1]
    return (
        entry.period_start or dt.date.min,
        entry.as_of or dt.datetime.min.replace(tzinfo=dt.UTC),
        entry.used,
    )
