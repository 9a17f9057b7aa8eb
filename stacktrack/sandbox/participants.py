"""Which installed plugins take part in the sandbox company, and their emulators serving the world.

Every plugin registered under the ``stacktrack.plugins`` entry points (first- or third-party) whose
emulator implements ``world_data`` takes part: it brings its tools (``Emulator.world_tools``) into the
company and serves the world in its vendor's shapes. Plugins whose emulator says
``identity_provider = True`` can be the company's identity provider (``--idp``); exactly one of them
is served, the others stay out of that sandbox. Nothing here knows a vendor by name.

A plugin that fails to load, or whose emulator cannot be imported, is simply absent.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Iterable
from typing import Any

from stacktrack.sandbox import stack
from stacktrack.testing.emulator import Emulator
from stacktrack.testing.world import ToolSpec, WorldView

DEFAULT_IDP = "okta"
"""The identity provider when none is chosen (if that plugin is installed; else the first one)."""


@functools.cache
def emulators() -> dict[str, type[Emulator[Any]]]:
    """Plugin name -> emulator class, for every installed plugin that serves the sandbox world."""
    from stacktrack import registry

    found: dict[str, type[Emulator[Any]]] = {}
    for name in registry.plugin_names():
        loaded = registry.load_plugin(name)
        if isinstance(loaded, registry.PluginLoadError):
            continue
        try:
            emulator = loaded.emulator()
        except Exception:  # a broken plugin only removes itself from the sandbox
            continue
        if isinstance(emulator, type) and issubclass(emulator, Emulator) and emulator.joins_world():
            found[name] = emulator
    return found


def shipped_with(distribution: str = "stacktrack") -> list[str]:
    """The participating plugins that ``distribution`` installs (default: stacktrack's own), for a
    sandbox that must not change when a third-party plugin is installed (``only=``)."""
    from stacktrack import registry

    return sorted(name for name in emulators() if registry.distribution(name) == distribution)


def identity_providers() -> list[str]:
    """Plugins that can be the company's identity provider, sorted."""
    return sorted(name for name, emulator in emulators().items() if emulator.identity_provider)


def default_idp() -> str:
    providers = identity_providers()
    if DEFAULT_IDP in providers or not providers:
        return DEFAULT_IDP
    return providers[0]


def all_sources() -> list[str]:
    """Every source name a sandbox may serve (fault specs may name any; unserved ones are ignored)."""
    return sorted(emulators())


def sources_for(idp: str, only: Iterable[str] | None = None) -> list[str]:
    """The sources of a sandbox: the identity provider ``idp``, then every other vendor, sorted.

    ``only`` restricts the vendors to those names (the identity provider is always served).
    """
    providers = identity_providers()
    if idp not in providers:
        from stacktrack.errors import UsageError

        choices = ", ".join(providers) or "none is installed"
        raise UsageError(f"--idp: {idp!r} is not an installed identity provider ({choices}).")
    wanted = set(only) if only is not None else None
    vendors = [
        name
        for name, emulator in sorted(emulators().items())
        if not emulator.identity_provider and (wanted is None or name in wanted)
    ]
    return [idp, *vendors]


def company_tools(sources: Iterable[str] | None = None) -> tuple[ToolSpec, ...]:
    """The company's tools: the base stack plus those brought by ``sources`` (default: every
    participating plugin). A brought tool with a base tool's id replaces it."""
    tools = {spec.id: spec for spec in stack.TOOLS}
    names = sorted(emulators()) if sources is None else list(sources)
    for name in names:
        emulator = emulators().get(name)
        if emulator is None:
            continue
        for spec in emulator.world_tools():
            tools[spec.id] = spec if spec.vendor else dataclasses.replace(spec, vendor=name)
    return tuple(tools.values())


def token_for(seed: int, source: str) -> str:
    """The sandbox token of a source: derived from the seed, never a real credential."""
    digest = hashlib.sha256(f"stacktrack-sandbox:{seed}:{source}".encode()).hexdigest()[:24]
    return f"sandbox-{source.replace('_', '-')}-{digest}"


def env_name(source: str) -> str:
    return f"STACKTRACK_SANDBOX_{source.upper()}_TOKEN"


def build_emulator(
    view: WorldView, source: str, *, seed: int, page_size: int = 1000, prefix: bool = False
) -> Emulator[Any]:
    """The emulator of one source serving ``view``, with its sandbox token."""
    emulator = emulators().get(source)
    if emulator is None:
        raise LookupError(f"plugin {source!r} does not serve the sandbox world")
    return emulator.from_world(
        view,
        token=token_for(seed, source),
        page_size=page_size,
        prefix=f"/{source}" if prefix else "",
    )


def build_emulators(
    view: WorldView,
    *,
    seed: int,
    sources: Iterable[str],
    page_size: int = 1000,
    prefix: bool = False,
) -> dict[str, Emulator[Any]]:
    """One emulator per source, each serving ``view``; ``prefix`` mounts them at ``/<name>``."""
    return {
        source: build_emulator(view, source, seed=seed, page_size=page_size, prefix=prefix)
        for source in sources
    }
