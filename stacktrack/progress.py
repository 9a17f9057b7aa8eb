"""The snapshot's live display on a terminal: one rich progress line per source."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from stacktrack.snapshot import SnapshotEvent


@contextlib.contextmanager
def snapshot_progress(*, enabled: bool) -> Iterator[Callable[[SnapshotEvent], None]]:
    """Yield an ``on_event`` callback; draws on stderr when ``enabled``, else does nothing."""
    if not enabled:
        yield lambda _event: None
        return
    progress = Progress(
        SpinnerColumn(finished_text="•"),
        TextColumn("[bold]{task.fields[source]}[/]"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def on_event(event: SnapshotEvent) -> None:
        if event.source not in tasks:
            tasks[event.source] = progress.add_task("starting", total=1, source=event.source)
        task = tasks[event.source]
        if event.kind == "finished":
            progress.update(task, description=f"[green]stored[/] {event.message}", completed=1)
        elif event.kind == "failed":
            progress.update(task, description=f"[red]failed[/] {event.message}", completed=1)
        else:
            progress.update(task, description=event.message)

    with progress:
        yield on_event
