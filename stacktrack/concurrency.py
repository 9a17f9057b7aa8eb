"""``gather_first_error``: run a plugin's requests concurrently, fail like a sequential loop would.

``asyncio.TaskGroup`` cancels the siblings of a failed task (good: no orphaned requests) but raises
an ``ExceptionGroup``, which the snapshot engine would report as an internal error. Plugins want the
first typed ``PluginError`` itself. Re-exported by ``stacktrack.plugin_api``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

from stacktrack.errors import PluginError

_T = TypeVar("_T")


async def gather_first_error(*work: Awaitable[Any]) -> list[Any]:
    """Await ``work`` concurrently; on failure cancel the rest and raise the first error itself."""
    tasks: list[asyncio.Task[Any]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_run(item)) for item in work]
    except BaseExceptionGroup as failed:
        raise _first(failed) from None
    return [task.result() for task in tasks]


async def _run(work: Awaitable[_T]) -> _T:
    return await work


def _first(group: BaseExceptionGroup[Any]) -> BaseException:
    """The first typed plugin error in the group, else the first error of any kind."""
    errors = list(_leaves(group))
    for error in errors:
        if isinstance(error, PluginError):
            return error
    return errors[0]


def _leaves(error: BaseException) -> Iterator[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error
