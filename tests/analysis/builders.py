"""Hand-built configs and states for the analysis tests (no store, no plugins)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from stacktrack.config_models import ConfigFile
from stacktrack.plugin_api import Account, AppUsage, FeatureUsage, Integration, Observation
from stacktrack.state import SourceState, StackState

T = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def ago(days: float) -> dt.datetime:
    return T - dt.timedelta(days=days)


def config(
    tools: list[dict[str, Any]], sources: list[str] | None = None, **general: Any
) -> ConfigFile:
    names = set(sources or [])
    for tool in tools:
        names.update(tool.get("sources", []))
    return ConfigFile.model_validate(
        {
            "stacktrack": general,
            "sources": {name: {"plugin": name} for name in sorted(names)},
            "tools": tools,
        }
    )


def account(
    ident: str,
    *,
    email: str | None = "",
    days_ago: float | None = None,
    assigned: bool = True,
    status: str = "active",
    kind: str | None = "login",
) -> Account:
    return Account(
        id=ident,
        email=(f"{ident}@acme.test" if email == "" else email),
        last_active=None if days_ago is None else ago(days_ago),
        activity_kind=kind if days_ago is not None else None,
        assigned=assigned,
        status=status,
    )


def usage(
    accounts: list[Account] | None = None,
    *,
    app: str | None = None,
    activity_known: bool = True,
    horizon: int | None = None,
    purchased: int | None = None,
    used: int | None = None,
    integrations: list[Integration] | None = None,
    aliases: list[str] | None = None,
    features: list[FeatureUsage] | None = None,
) -> AppUsage:
    return AppUsage(
        features=features,
        app=app,
        accounts=accounts,
        activity_known=activity_known,
        history_horizon_days=horizon,
        seats_purchased=purchased,
        seats_used=used,
        integrations=integrations,
        aliases=aliases or [],
    )


def feature(key: str, *, last_used_days_ago: float | None = None, **extra: Any) -> FeatureUsage:
    return FeatureUsage(
        feature=key,
        last_used=None if last_used_days_ago is None else ago(last_used_days_ago),
        **extra,
    )


def integration(app: str, days_ago: float | None = None, **extra: Any) -> Integration:
    return Integration(
        app=app,
        kind=extra.pop("kind", "oauth_token"),
        last_used=None if days_ago is None else ago(days_ago),
        **extra,
    )


def source(
    name: str,
    apps: list[AppUsage] | None,
    *,
    status: str = "ok",
    error: str | None = None,
    in_latest_run: bool = True,
    integration_aware: bool | None = None,
) -> SourceState:
    observation = None if apps is None else Observation(apps=apps)
    if integration_aware is None:
        integration_aware = bool(apps) and any(a.integrations is not None for a in apps)
    return SourceState(
        source=name,
        plugin=name,
        status=status,  # type: ignore[arg-type]
        error=error,
        last_success_at=T if observation is not None else None,
        observation=observation,
        integration_aware=integration_aware,
        in_latest_run=in_latest_run,
    )


def state(*sources: SourceState, first_seen: dict[str, dt.datetime] | None = None) -> StackState:
    return StackState(
        run_id=7,
        as_of=T,
        sources={s.source: s for s in sources},
        tool_first_seen=first_seen or {},
    )
