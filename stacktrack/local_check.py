"""``config validate`` dry-runs the sources that need no network (``manual``, ``csv``).

A missing export file or a misnamed column is a configuration problem the user should hear about
when validating, not at 6 a.m. from cron.
"""

from __future__ import annotations

import datetime as dt

from stacktrack.config import LoadedConfig
from stacktrack.errors import PluginError
from stacktrack.plugin_api import CollectContext, LocalPlugin


async def check_local_sources(config: LoadedConfig) -> dict[str, str]:
    """Source name -> problem, for every local source whose collect fails."""
    problems: dict[str, str] = {}
    for name, plugin_cls in config.plugins.items():
        if not issubclass(plugin_cls, LocalPlugin):
            continue
        plugin = plugin_cls(name, config.sources[name])
        ctx = CollectContext(
            source=name, now=dt.datetime.now(dt.UTC), config_dir=config.path.parent
        )
        try:
            await plugin.collect(ctx)
        except PluginError as exc:
            problems[name] = exc.message
    return problems
