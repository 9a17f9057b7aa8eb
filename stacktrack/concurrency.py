"""``gather_first_error``: run a plugin's requests concurrently, fail like a sequential loop would;
``run_blocking``: blocking work a time budget can abandon.

``asyncio.TaskGroup`` cancels the siblings of a failed task (good: no orphaned requests) but raises
an ``ExceptionGroup``, which the snapshot engine would report as an internal error. Plugins want the
first typed ``PluginError`` itself. Re-exported by ``stacktrack.plugin_api``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable, Iterator
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


async def run_blocking(func: Callable[..., _T], *args: Any) -> _T:
    """Run blocking ``func(*args)`` in a daemon thread and await its result.

    Unlike ``asyncio.to_thread``, whose pool threads the interpreter joins at exit, an abandoned
    daemon thread cannot keep the process alive: when a source's budget cancels the wait (a read
    stuck on a FIFO or a dead network share), the snapshot still stores its run and exits.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():  # cancelled by a budget: nobody is waiting any more
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def target() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = func(*args)
        except BaseException as exc:  # delivered to the awaiting task and re-raised there
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: the run ended without us
            loop.call_soon_threadsafe(settle, result, error)

    name = getattr(func, "__name__", "blocking")
    threading.Thread(target=target, name=f"stacktrack-{name}", daemon=True).start()
    return await future
