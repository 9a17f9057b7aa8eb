"""``analysis.volume.tool_volume``: which count stands against the contract's plan volume."""

from __future__ import annotations

import datetime as dt

from stacktrack.analysis.volume import tool_volume
from stacktrack.config_models import ToolConfig
from stacktrack.plugin_api import AppUsage, VolumeUsage


def _tool(**contract: object) -> ToolConfig:
    body = {"id": "cdp", "name": "CDP"}
    if contract:
        body["contract"] = {"annual_cost": 1000, "pricing": "flat", **contract}  # type: ignore[assignment]
    return ToolConfig.model_validate(body)


def _volume(metric: str, used: int, month: int, day: int = 10) -> VolumeUsage:
    start = dt.date(2026, month, 1)
    return VolumeUsage(
        metric=metric,  # type: ignore[arg-type]
        used=used,
        period_start=start,
        period_end=(start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1),
        as_of=dt.datetime(2026, month, day, tzinfo=dt.UTC),
    )


def test_no_contract_volume_and_no_count_is_no_figure() -> None:
    assert tool_volume(_tool(), [("a", AppUsage(volume=None))]) == (None, {})


def test_a_contract_volume_without_a_count_leaves_used_unknown() -> None:
    figures, evidence = tool_volume(_tool(plan_volume=5000, plan_volume_metric="mtu"), [])
    assert figures is not None
    assert (figures.used, figures.included, figures.utilization) == (None, 5000, None)
    assert evidence["volume_used"].startswith("unknown")


def test_a_count_without_a_contract_volume_shows_the_first_metric_reported() -> None:
    usage = AppUsage(volume=[_volume("api_calls", 700, 5), _volume("mtu", 90, 5)])
    figures, _ = tool_volume(_tool(), [("cdp", usage)])
    assert figures is not None
    assert (figures.metric, figures.used, figures.included, figures.utilization) == (
        "api_calls", 700, None, None,
    )  # fmt: skip


def test_the_latest_period_wins_and_overage_shows_above_one() -> None:
    old = AppUsage(volume=[_volume("mtu", 9_000, 4, day=30)])
    new = AppUsage(volume=[_volume("mtu", 6_000, 5, day=20)])
    figures, _ = tool_volume(
        _tool(plan_volume=5_000, plan_volume_metric="mtu"), [("old", old), ("new", new)]
    )
    assert figures is not None
    assert (figures.source, figures.used, figures.period_start) == (
        "new",
        6_000,
        dt.date(2026, 5, 1),
    )
    assert figures.utilization == 6_000 / 5_000


def test_the_volume_vocabulary_is_one() -> None:
    """The config's ``plan_volume_metric`` accepts exactly the plugin API's metrics."""
    from typing import get_args

    from stacktrack.config_models import Contract
    from stacktrack.plugin_api import VolumeMetric

    annotation = Contract.model_fields["plan_volume_metric"].annotation
    config_metrics = {arg for member in get_args(annotation) for arg in get_args(member)}
    assert config_metrics == set(get_args(VolumeMetric))
