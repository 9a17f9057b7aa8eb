"""stacktrack: which SaaS tools a marketing team really uses, and what to cut before renewal."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    __version__: str


def __getattr__(name: str) -> str:
    # ``__version__`` reads the package metadata on first use only: importing importlib.metadata
    # (and the email package it loads) costs every command start-up time (docs/benchmarks.md).
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("stacktrack")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0"
    globals()["__version__"] = found
    return found
