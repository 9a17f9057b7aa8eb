"""``gc_paused``: the collector is off inside the block and back as it was after, even on error."""

from __future__ import annotations

import gc

import pytest

from stacktrack.gc_pause import gc_paused


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_collector_is_off_inside_and_as_it_was_after(enabled_before: bool) -> None:
    was = gc.isenabled()
    try:
        (gc.enable if enabled_before else gc.disable)()
        with gc_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled_before
        with pytest.raises(KeyError), gc_paused():
            raise KeyError("boom")
        assert gc.isenabled() is enabled_before
    finally:
        (gc.enable if was else gc.disable)()
