"""The stacktrack configuration (TOML text) that matches a sandbox world.

``config_text`` writes ``[stacktrack]``, ``[stacktrack.fx]``, one ``[sources.*]`` per emulator (base
URL pointed at the emulator, credentials as its ``Emulator.world_settings`` names them: by default a
token as an ``{ env = "NAME" }`` reference) and one ``[[tools]]`` per
tool of the world (the base stack and the tools the served plugins bring) with its contract, sources,
catalog product and owner. Called by ``demo.py`` and
``server.py``; the result validates with ``stacktrack.config.load_config_text``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from stacktrack.plugin_api import check_base_url
from stacktrack.sandbox import participants
from stacktrack.sandbox.participants import env_name
from stacktrack.sandbox.world import COMPANY, World
from stacktrack.testing.world import ToolSpec

EUR_RATE = 1.08


def _str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _toml(value: object) -> str:
    """A settings value as TOML (strings, numbers, booleans, lists, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return _str(str(value))


def _cleartext_beyond_loopback(url: str) -> bool:
    try:
        check_base_url(url)
    except ValueError:
        return True
    return False


def _list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(_str(value) for value in values) + "]"


def config_text(
    world: World,
    *,
    base_urls: dict[str, str],
    idp: str,
    database: str | None = None,
    header: str | None = None,
    timeout_seconds: float | None = None,
) -> str:
    """The TOML config for ``world``; ``base_urls`` maps each served source name to its URL.

    Tools keep only the sources present in ``base_urls`` (the identity provider ``idp`` among them).
    """
    end = world.end.date()
    lines = [
        f"# stacktrack sandbox: {COMPANY}, a simulated company (seed {world.seed}).",
        "# Every person, tool, contract and figure below is made up.",
    ]
    if header:
        lines += [f"# {line}" if line else "#" for line in header.splitlines()]
    lines += [
        "",
        "[stacktrack]",
        'currency = "USD"',
        "active_window_days = 30",
        "pilot_grace_days = 60",
        "integration_window_days = 30",
    ]
    if database is not None:
        lines.append(f"database = {_str(database)}")
    lines += ["", "[stacktrack.fx]", f"EUR = {EUR_RATE}", ""]
    served = [source for source in base_urls]
    for source in served:
        lines += [
            f"[sources.{source}]",
            f"plugin = {_str(source)}",
            f"base_url = {_str(base_urls[source])}",
        ]
        if _cleartext_beyond_loopback(base_urls[source]):
            lines += [
                "# The sandbox serves plain http:// on a non-loopback address: the (fake) token",
                "# travels in cleartext, which a real source refuses unless told so.",
                "allow_insecure_http = true",
            ]
        emulator = participants.emulators().get(source)
        settings = (
            emulator.world_settings(base_url=base_urls[source], secret_env=env_name(source))
            if emulator is not None
            else {"token": {"env": env_name(source)}}
        )
        lines += [f"{key} = {_toml(value)}" for key, value in settings.items()]
        if timeout_seconds is not None:
            lines.append(f"timeout_seconds = {timeout_seconds:g}")
        lines.append("")
    # A tool brought by a plugin that is not served here (another identity provider) stays out.
    tools = [spec for spec in world.tools if spec.vendor is None or spec.vendor in served]
    ids = {spec.id for spec in tools}
    for spec in tools:
        lines += _tool(spec, idp, end, served, ids)
    return "\n".join(lines).rstrip() + "\n"


def _tool(spec: ToolSpec, idp: str, end: dt.date, served: list[str], ids: set[str]) -> list[str]:
    sources = [spec.vendor] if spec.vendor else []
    if spec.sso_label:
        sources.append(idp)
    sources = [source for source in sources if source in served]
    match = [spec.sso_label, *spec.sso_aliases] if spec.sso_label else []
    lines = [
        "[[tools]]",
        f"id = {_str(spec.id)}",
        f"name = {_str(spec.name)}",
        # A product outside stacktrack's catalog (a third-party plugin's) is described by the
        # tool's own category and capabilities instead: naming it would only draw a warning.
        *([f"product = {_str(spec.product)}"] if _in_catalog(spec.product) else []),
        f"owner = {_str(spec.owner)}",
        f"sources = {_list(sources)}",
    ]
    if match:
        lines.append(f"match = {_list(match)}")
    integrates_with = [tool for tool in spec.integrates_with if tool in ids]
    if integrates_with:
        lines.append(f"integrates_with = {_list(integrates_with)}")
    if spec.category:
        lines.append(f"category = {_str(spec.category)}")
    if spec.capabilities:
        lines.append(f"capabilities = {_list(spec.capabilities)}")
    if spec.standalone:
        lines += [f"# standalone: {spec.standalone}", "standalone = true"]
    contract = spec.contract
    lines += [
        "[tools.contract]",
        f"annual_cost = {contract.annual_cost:g}",
        f"currency = {_str(contract.currency)}",
        f"pricing = {_str(contract.pricing)}",
    ]
    if contract.seats is not None:
        lines.append(f"seats = {contract.seats}")
    lines += [
        f"start_date = {(end - dt.timedelta(days=contract.start)).isoformat()}",
        f"renewal_date = {(end + dt.timedelta(days=contract.renewal)).isoformat()}",
        f"notice_days = {contract.notice_days}",
    ]
    if contract.tier is not None:
        lines.append(f"tier = {_str(contract.tier)}")
    if contract.features is not None:
        lines.append(f"features = {_list(contract.features)}")
    if contract.downgrade_annual_cost is not None:
        lines.append(f"downgrade_annual_cost = {contract.downgrade_annual_cost:g}")
    if contract.plan_volume is not None:
        lines += [
            f"plan_volume = {contract.plan_volume}",
            f"plan_volume_metric = {_str(contract.plan_volume_metric or '')}",
        ]
    for addon in contract.addons:
        lines += [
            "[[tools.contract.addons]]",
            f"feature = {_str(addon.feature)}",
            f"annual_cost = {addon.annual_cost:g}",
        ]
        if addon.seats is not None:
            lines.append(f"seats = {addon.seats}")
    lines.append("")
    return lines


@functools.cache
def _catalog_keys() -> frozenset[str]:
    from stacktrack.catalog import load_catalog

    catalog = load_catalog()
    return frozenset(key for key in catalog.products)


def _in_catalog(product: str) -> bool:
    return product in _catalog_keys()
