"""Messages the TUI's workers post back to the UI thread (past tense: something has happened)."""

from __future__ import annotations

from textual.message import Message

from stacktrack.tui.data import Overview, ToolDetail


class OverviewLoaded(Message):
    """The store was read and analysed; ``overview`` is what every screen shows."""

    def __init__(self, overview: Overview, seconds: float) -> None:
        super().__init__()
        self.overview = overview
        self.seconds = seconds


class OverviewFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ToolDetailLoaded(Message):
    def __init__(self, detail: ToolDetail) -> None:
        super().__init__()
        self.detail = detail


class RecommendationStateChanged(Message):
    def __init__(self, rec_id: str, status: str) -> None:
        super().__init__()
        self.rec_id = rec_id
        self.status = status


class SnapshotProgressed(Message):
    """One event of a running snapshot (``kind``: started, progress, finished, failed)."""

    def __init__(self, source: str, kind: str, message: str) -> None:
        super().__init__()
        self.source = source
        self.kind = kind
        self.message = message


class SnapshotFinished(Message):
    def __init__(self, run_id: int | None, status: str, error: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.status = status
        self.error = error


class ExportWritten(Message):
    def __init__(self, path: str, rows: int) -> None:
        super().__init__()
        self.path = path
        self.rows = rows
