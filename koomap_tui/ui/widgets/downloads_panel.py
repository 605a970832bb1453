"""The downloads panel: one line per transfer with a bar, bytes, rate and ETA.

It listens to the session's download manager while it is mounted; the manager calls its
listeners from the transfers, so their snapshots reach the panel as messages (`DownloadProgressed`),
as they reach the app, which says when a download finished (ui/app.py).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.message import Message
from textual.widget import Widget

from koomap_tui.services.downloads import DownloadManager, DownloadState, Progress
from koomap_tui.ui.format import fmt_bytes, fmt_duration, inert
from koomap_tui.ui.widgets.progress import progress_cell

GLYPHS: dict[DownloadState, str] = {
    DownloadState.QUEUED: "◔",
    DownloadState.RUNNING: "⇣",
    DownloadState.DONE: "✓",
    DownloadState.FAILED: "✗",
    DownloadState.CANCELLED: "■",
}
MAX_LINES = 6
LABEL_WIDTH = 28


def fmt_rate(rate: float) -> str:
    return f"{fmt_bytes(rate)}/s" if rate > 0 else "—"


def progress_line(p: Progress) -> Text:
    """ "⇣ name   █████▌     56%  1.2 MiB / 2.0 MiB  640.0 KiB/s  ETA 2s  running"."""
    label = inert(p.label)
    if len(label) > LABEL_WIDTH:
        label = label[: LABEL_WIDTH - 1] + "…"
    total = fmt_bytes(p.total) if p.total is not None else "?"
    parts: list[str | Text | tuple[str, str]] = [
        f"{GLYPHS[p.state]} {label.ljust(LABEL_WIDTH)} ",
        progress_cell(p.fraction, 12),
        f"  {fmt_bytes(p.done)} / {total}",
    ]
    if p.state is DownloadState.RUNNING:
        eta = p.eta
        parts.append(f"  {fmt_rate(p.rate)}  ETA {fmt_duration(eta) if eta is not None else '—'}")
        if p.files_total > 1:
            parts.append(f"  file {min(p.files_done + 1, p.files_total)}/{p.files_total}")
    word = p.state.value
    if p.state is DownloadState.FAILED and p.error:
        parts.append((f"  failed: {inert(p.error)}", "bold"))
    else:
        extra = f" (resumed {fmt_bytes(p.resumed_bytes)})" if p.resumed_bytes else ""
        parts.append(f"  {word}{extra}")
    return Text.assemble(*parts, no_wrap=True, end="")


class DownloadProgressed(Message):
    """A snapshot of one download, posted from the download manager's listener."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class DownloadsPanel(Widget):
    """Transfers of this session, newest last; hidden while there are none."""

    DEFAULT_CSS = """
    DownloadsPanel {
        height: auto;
        max-height: 8;
        border-top: solid $panel-lighten-2;
        padding: 0 1;
        display: none;
    }
    DownloadsPanel.-active {
        display: block;
    }
    """

    def __init__(self, manager: DownloadManager, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.manager = manager
        self.transfers: dict[str, Progress] = {}
        self._unsubscribe: Callable[[], None] | None = None

    def on_mount(self) -> None:
        self._unsubscribe = self.manager.subscribe(
            lambda p: self.post_message(DownloadProgressed(p))
        )
        self.replace_all(self.manager.all())

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def on_download_progressed(self, message: DownloadProgressed) -> None:
        message.stop()  # the app hears the manager itself
        self.update_progress(message.progress)

    def update_progress(self, progress: Progress) -> None:
        self.transfers[progress.id] = progress
        self.set_class(True, "-active")
        self.refresh(layout=True)

    def replace_all(self, transfers: list[Progress]) -> None:
        self.transfers = {p.id: p for p in transfers}
        self.set_class(bool(self.transfers), "-active")
        self.refresh(layout=True)

    def render(self) -> Text:
        shown = list(self.transfers.values())[-MAX_LINES:]
        running = sum(1 for p in self.transfers.values() if not p.state.finished)
        head = Text(
            f"Downloads: {running} active, {len(self.transfers)} in this session"
            "  (c cancels the selected item's download, C clears finished)",
            style="dim",
            no_wrap=True,
        )
        return Text("\n").join([head, *(progress_line(p) for p in shown)])
