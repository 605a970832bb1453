"""A box to read over the view (the key help, every field of a subtask): a title, a line that
says how to close and scroll it, and a body that scrolls. At 80x24 a long body runs past the
bottom of the screen, so it scrolls by keys (j/k, arrows, PgUp/PgDn, space, g/G) and the way
out is said above it, where it is always seen."""

from __future__ import annotations

from rich.console import RenderableType
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class ReadDialog(ModalScreen[None]):
    DEFAULT_CSS = """
    ReadDialog { align: center middle; background: $background 60%; }
    ReadDialog > #read {
        width: 96; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ReadDialog #read-title { text-style: bold; width: 1fr; }
    ReadDialog #read-keys { color: $text-muted; width: 1fr; padding: 0 0 1 0; }
    ReadDialog #read-scroll { height: auto; max-height: 65vh; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("q,enter", "close", "Close", show=False),
        Binding("j,down", "scroll_lines(1)", "Scroll down", show=False),
        Binding("k,up", "scroll_lines(-1)", "Scroll up", show=False),
        Binding("pagedown,space", "scroll_pages(1)", "Page down", show=False),
        Binding("pageup", "scroll_pages(-1)", "Page up", show=False),
        Binding("g,home", "jump(False)", "Top", show=False),
        Binding("G,end", "jump(True)", "Bottom", show=False),
    ]
    KEYS_HINT = "Esc, q or Enter closes · j/k ↑/↓ PgUp/PgDn g/G scroll"

    def __init__(self, title: str, body: RenderableType = "") -> None:
        super().__init__()
        self.title_text = title
        self.body_text = body

    def body(self) -> RenderableType:
        return self.body_text

    def compose(self) -> ComposeResult:
        with Vertical(id="read"):
            yield Label(self.title_text, id="read-title", markup=False)
            yield Label(self.KEYS_HINT, id="read-keys", markup=False)
            with VerticalScroll(id="read-scroll"):
                yield Static(self.body(), id="read-body")

    def on_mount(self) -> None:
        self.scroller.focus()

    @property
    def scroller(self) -> VerticalScroll:
        return self.query_one("#read-scroll", VerticalScroll)

    def action_scroll_lines(self, lines: int) -> None:
        self.scroller.scroll_relative(y=lines, animate=False, immediate=True)

    def action_scroll_pages(self, pages: int) -> None:
        scroller = self.scroller
        step = max(1, scroller.scrollable_content_region.height - 1)
        scroller.scroll_relative(y=pages * step, animate=False, immediate=True)

    def action_jump(self, bottom: bool) -> None:
        scroller = self.scroller
        scroller.scroll_to(y=scroller.max_scroll_y if bottom else 0, animate=False, immediate=True)

    def action_close(self) -> None:
        self.dismiss(None)
