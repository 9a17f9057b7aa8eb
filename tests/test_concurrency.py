"""gather_first_error: results in order, the typed error itself on failure, siblings cancelled."""

from __future__ import annotations

import asyncio

import pytest

from stacktrack.plugin_api import AuthenticationError, gather_first_error


async def test_results_come_back_in_order() -> None:
    async def value(n: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return n

    assert await gather_first_error(value(1, 0.02), value(2, 0.0)) == [1, 2]


async def test_the_plugin_error_itself_is_raised_and_siblings_are_cancelled() -> None:
    cancelled = asyncio.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise AuthenticationError("src", "rejected")

    with pytest.raises(AuthenticationError, match="rejected"):
        await gather_first_error(slow(), failing())
    assert cancelled.is_set()
