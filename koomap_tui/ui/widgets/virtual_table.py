"""VirtualTable: a keyed table that paints only the rows on screen (Textual Line API).

Textual's stock DataTable builds every cell when a row is added (~120 µs a row), so a console
that re-adds 10,000 rows each poll stalls the UI thread. Here a row is a key and an object;
cells are rendered only when the row scrolls into view, the rendered line (Strip) is cached
per row, and a poll diff invalidates only the rows it names. See docs/performance.md.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.timer import Timer

from koomap_tui.ui.widgets.vtable_model import Predicate, RowModel
from koomap_tui.ui.widgets.vtable_render import (
    Column,
    RowStyle,
    StyleResolver,
    cell_plain,
    cell_segments,
    fit_plain,
    layout_columns,
    sanitize,
)

__all__ = ["Column", "VirtualTable", "sanitize"]

HEADER_HEIGHT = 1
GUTTER = 2  # mark indicator, so a mark never rests on colour alone
GAP = 1  # blank cell after every column
MARK_GLYPH = "* "
AUTO_WIDTH_SAMPLE = 200
AUTO_WIDTH_MAX = 40
# The per-row line cache holds far more than a screenful; past this it is simply dropped.
LINE_CACHE_LIMIT = 4000
GC_FREEZE_DELAY = 0.3  # seconds after a big set_rows; see VirtualTable.GC_FREEZE_MIN_ROWS


def refreeze_gc() -> float:
    """Collect the young generations, then move every live object out of the cyclic
    collector's scans.

    Returns the milliseconds it took. Only generations 0 and 1 are collected: a full
    collection right after a big load scans the whole heap (90-260 ms at 50,000 rows: the very
    frame stall this exists to prevent), and `gc.unfreeze()` would also hand back what the
    console froze at start-up (koomap_tui/cli.py). The price: cyclic garbage already in the
    old generation at this moment stays pinned; big loads are rare (a workspace or list
    switch), so that stays small, while acyclic garbage (the replaced rows) is still freed by
    reference counting.
    """
    started = time.perf_counter()
    gc.collect(1)
    gc.freeze()
    return (time.perf_counter() - started) * 1000


class SteadyScrollBar(ScrollBar):
    """A ScrollBar that repaints only when what it draws changes.

    Textual repaints a scrollbar whenever its position changes, which is every key press that
    scrolls: ~50 lines through the Rich renderer and the styles cache, more work than the
    table's own lines. Over 50,000 rows the thumb is one cell and moves by an eighth of a cell
    every ~125 rows, so the drawing is almost always the same; this bar keys its last frame on
    the bar's actual segments (computed with `ScrollBarRender.render_bar`, as Textual draws
    them) and returns that frame when nothing it depends on changed.
    """

    _last_paint: tuple[Any, list[Strip]] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        key = self._paint_key(crop)
        last = self._last_paint
        if key is not None and last is not None and last[0] == key:
            return last[1]
        strips = super().render_lines(crop)
        self._last_paint = None if key is None else (key, strips)
        return strips

    def _paint_key(self, crop: Region) -> Any:
        try:
            renderable = self.render()
            if not isinstance(renderable, ScrollBarRender) or not isinstance(
                renderable.style, Style
            ):
                return None
            style = renderable.style
            width, height = self.size
            size, thickness = (height, width) if renderable.vertical else (width, height)
            bar = renderable.render_bar(
                size=size,
                window_size=renderable.window_size,
                virtual_size=renderable.virtual_size,
                position=renderable.position,
                vertical=renderable.vertical,
                thickness=thickness,
                back_color=style.bgcolor or Color.parse("#555555"),
                bar_color=style.color or Color.parse("bright_magenta"),
            )
            return (
                crop,
                self.region.size,
                self.background_colors,
                tuple(self.get_line_filters()),
                self.styles.tint,
                self.opacity,
                tuple(bar.segments),
            )
        except Exception:  # never let the shortcut break painting: take Textual's path
            return None


class VirtualTable(ScrollView, can_focus=True):
    """A virtual, keyed, sortable, filterable table.

    Rows are `(key, obj)` pairs; columns say how to turn `obj` into cells. Feed polls with
    `apply_changes(added, changed, removed)`: order stays stable, the cursor stays on its key,
    and the cells that changed flash briefly.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "cursor_page_up", "Page up", show=False),
        Binding("pagedown", "cursor_page_down", "Page down", show=False),
        Binding("home,g", "cursor_home", "First row", show=False),
        Binding("end,G", "cursor_end", "Last row", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("space", "toggle_mark", "Mark / unmark row", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    GC_FREEZE_MIN_ROWS: ClassVar[int | None] = 20_000
    """After `set_rows` of at least this many rows, refreeze the GC (None: never).

    With tens of thousands of row models alive, every full (generation 2) collection scans
    them all: 100-400 ms, landing on a random key press every few dozen presses. Freezing
    what is alive right after a big load (after its first paint; see `refreeze_gc`) makes
    later full collections scan only newer objects. `gc.freeze` is process-wide; it is
    done here because a table is what receives the big snapshot, and only on big loads.
    """
    last_gc_freeze_ms: ClassVar[float | None] = None  # for benchmarks and logs

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--marked",
        "virtual-table--flash",
        "virtual-table--empty",
    }

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .virtual-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .virtual-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .virtual-table--marked {
            background: $secondary-muted;
            text-style: bold;
        }
        & > .virtual-table--flash {
            text-style: bold reverse;
        }
        & > .virtual-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    class CursorMoved(Message):
        """The cursor is on a different row (`key` is None when the table is empty)."""

        def __init__(self, table: VirtualTable, key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Selected(Message):
        """Enter (or a double click) on the row `key`."""

        def __init__(self, table: VirtualTable, key: str) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> VirtualTable:
            return self.table

    class MarksChanged(Message):
        """The set of marked rows changed; `marked` is the new set."""

        def __init__(self, table: VirtualTable, marked: frozenset[str]) -> None:
            super().__init__()
            self.table = table
            self.marked = marked

        @property
        def control(self) -> VirtualTable:
            return self.table

    class SortChanged(Message):
        """The sort column or direction changed (a header click, or `sort_by`)."""

        def __init__(self, table: VirtualTable, column_key: str | None, reverse: bool) -> None:
            super().__init__()
            self.table = table
            self.column_key = column_key
            self.reverse = reverse

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        row_style: Callable[[Any], RowStyle] | None = None,
        flash_seconds: float = 1.0,
        empty_text: str = "(no rows)",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._model = RowModel()
        self._columns: list[Column] = list(columns)
        self._widths: list[int] = []  # every column's natural width
        self._layout: list[tuple[Column, int]] = []  # the columns shown, as wide as shown
        self._layout_gen = 0  # bumped when _layout changes (cheap to compare every frame)
        self._width_total = GUTTER
        self._available = 0  # cells the columns may take (0: not laid out yet)
        self._row_style = row_style
        self.flash_seconds = flash_seconds
        self.empty_text = empty_text
        #: An empty view whose rows a filter hides says so (off where the filter is the view's
        #: own choice, not one the operator set: spurs shown for the selected image).
        self.say_filtered = True
        self._cursor_key: str | None = None
        self._cursor_row = 0
        self._marks: set[str] = set()
        self._flash: dict[str, tuple[float, frozenset[str]]] = {}
        self._flash_timer: Timer | None = None
        self._line_cache: dict[str, tuple[tuple[Any, ...], Strip]] = {}
        self._header_cache: tuple[tuple[Any, ...], Strip] | None = None
        self._gen = 0  # bumped whenever every cached line is stale (theme, focus, columns)
        self._styles_gen = -1
        self._styles: dict[str, Style] = {}
        self._base = Style.null()
        self._gc_freeze_pending = False
        self._frame: tuple[int, int, int] = (0, 0, 0)  # width, scroll x, scroll y (per frame)
        self._resolve = StyleResolver(self._theme_variables)
        self._fit_widths()

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's own property, creating a `SteadyScrollBar` instead of a `ScrollBar`."""
        if self._vertical_scrollbar is None:
            bar = SteadyScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    # -- public API ------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return tuple(self._columns)

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        """The columns that fit the terminal's width (see `Column.priority`)."""
        return tuple(column for column, _ in self._layout)

    def set_columns(self, columns: Sequence[Column]) -> None:
        self._columns = list(columns)
        column = self._model.sort_column
        if column is not None and column not in self._columns:
            self._model.sort_by(None)
        self._fit_widths()
        self._invalidate_all()

    def set_rows(self, rows: Iterable[tuple[str, Any]]) -> None:
        """Replace every row (first load, or a change of workspace)."""
        previous_key, previous_row = self._cursor_key, self._cursor_row
        self._model.set_rows(rows)
        self._flash.clear()
        self._line_cache.clear()
        if any(column.width is None for column in self._columns):
            self._fit_widths()
            self._header_cache = None
        self._prune_marks()
        self._restore_cursor(previous_key, previous_row)
        self._update_virtual_size()
        self.refresh()
        threshold = self.GC_FREEZE_MIN_ROWS
        if threshold is not None and len(self._model.objs) >= threshold:
            self._gc_freeze_pending = True
            if self.is_mounted:
                self._schedule_gc_freeze()

    def _schedule_gc_freeze(self) -> None:
        # A timer, not call_after_refresh: the load's first frame and the layout frames that
        # follow it (scrollbar appearing) must reach the screen before the collection runs.
        self.set_timer(GC_FREEZE_DELAY, self._freeze_gc, name="vtable-gc-freeze")

    def _freeze_gc(self) -> None:
        if self._gc_freeze_pending:
            self._gc_freeze_pending = False
            VirtualTable.last_gc_freeze_ms = refreeze_gc()

    def apply_changes(
        self,
        added: Mapping[str, Any] | None = None,
        changed: Mapping[str, Any] | None = None,
        removed: Iterable[str] = (),
    ) -> None:
        """Apply one poll's diff; cost grows with the rows named, not with the table."""
        added = added or {}
        changed = changed or {}
        removed = list(removed)
        model = self._model
        flash = self.flash_seconds > 0 and self.is_mounted
        olds = {key: model.objs[key] for key in changed if key in model.objs} if flash else {}
        previous_key, previous_row = self._cursor_key, self._cursor_row
        cache = self._line_cache
        for bucket in (added, changed, removed):
            for key in bucket:
                cache.pop(key, None)
                self._flash.pop(key, None)
        structural = model.apply(added, changed, removed)
        if removed:
            self._prune_marks()
        if structural:
            self._restore_cursor(previous_key, previous_row)
            self._update_virtual_size()
        if flash:  # after the cursor settled, so "on screen" means the rows now shown
            self._start_flashes(olds, added)
        if structural:
            self.refresh()
        else:
            top, bottom = self._visible_rows()
            view = model.view
            touched = set(changed)
            for row in range(top, bottom):
                if view[row] in touched:
                    self._refresh_row(row)

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        """Sort stably on a column (None: keep the current order and stop re-sorting)."""
        column = None
        if column_key is not None:
            matches = [c for c in self._columns if c.key == column_key]
            if not matches:
                raise KeyError(column_key)
            column = matches[0]
        previous_key, previous_row = self._cursor_key, self._cursor_row
        self._model.sort_by(column, reverse)
        self._header_cache = None
        self._restore_cursor(previous_key, previous_row)
        self.refresh()
        self.post_message(self.SortChanged(self, column_key, reverse))

    @property
    def sort_column(self) -> str | None:
        column = self._model.sort_column
        return None if column is None else column.key

    @property
    def sort_reverse(self) -> bool:
        return self._model.sort_reverse

    def set_filter(self, predicate: Predicate | None) -> None:
        """Show only rows for which `predicate(obj)` is true (None shows every row)."""
        previous_key, previous_row = self._cursor_key, self._cursor_row
        self._model.set_filter(predicate)
        self._restore_cursor(previous_key, previous_row)
        self._update_virtual_size()
        self.refresh()

    def text_predicate(self, query: str) -> Predicate | None:
        """A case-insensitive substring filter over the cells' displayed text."""
        needle = query.strip().casefold()
        if not needle:
            return None
        columns = list(self._columns)

        def matches(obj: Any) -> bool:
            for column in columns:
                try:
                    if needle in cell_plain(column, obj).casefold():
                        return True
                except Exception:  # a renderer that fails on this row simply does not match
                    continue
            return False

        return matches

    @property
    def cursor_key(self) -> str | None:
        return self._cursor_key

    @property
    def cursor_row(self) -> int:
        """Position of the cursor among the shown (filtered) rows."""
        return self._cursor_row

    def move_cursor_to_key(self, key: str) -> bool:
        """Put the cursor on `key`; False when the key is absent or filtered out."""
        row = self._model.index_of(key)
        if row is None:
            return False
        self._move_cursor(row)
        return True

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter)."""
        return len(self._model)

    @property
    def total_row_count(self) -> int:
        return len(self._model.objs)

    def get_row(self, key: str) -> Any:
        return self._model.objs[key]

    def __contains__(self, key: object) -> bool:
        return key in self._model.objs

    def all_rows(self) -> list[Any]:
        """Every row object, including rows the filter hides (insertion or sort order)."""
        return list(self._model.objs.values())

    def invalidate_rows(self, keys: Iterable[str]) -> None:
        """Repaint rows whose look changed but whose data did not (e.g. a pending mark the
        `row_style` callback reads); no flash, no re-sort."""
        keys = [key for key in keys if key in self._model.objs]
        for key in keys:
            self._line_cache.pop(key, None)
        self._refresh_keys(keys)

    def keys_in_order(self) -> list[str]:
        """Keys of the shown rows, in display order (a copy)."""
        return list(self._model.view)

    def visible_keys(self) -> list[str]:
        """Keys of the rows currently on screen."""
        top, bottom = self._visible_rows()
        return self._model.view[top:bottom]

    @property
    def marked_keys(self) -> frozenset[str]:
        """Marked rows that still exist, including ones the filter hides."""
        return frozenset(self._marks)

    def set_marks(self, keys: Iterable[str]) -> None:
        marks = {key for key in keys if key in self._model.objs}
        if marks != self._marks:
            changed = marks ^ self._marks
            self._marks = marks
            self._refresh_keys(changed)
            self.post_message(self.MarksChanged(self, frozenset(marks)))

    def clear_marks(self) -> None:
        self.set_marks(())

    # -- actions -------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._move_cursor(self._cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._move_cursor(self._cursor_row + 1)

    def action_cursor_page_up(self) -> None:
        self._move_cursor(self._cursor_row - self._body_height())

    def action_cursor_page_down(self) -> None:
        self._move_cursor(self._cursor_row + self._body_height())

    def action_cursor_home(self) -> None:
        self._move_cursor(0)

    def action_cursor_end(self) -> None:
        self._move_cursor(len(self._model) - 1)

    def action_toggle_mark(self) -> None:
        key = self._cursor_key
        if key is None:
            self._say_no_row("mark")
            return
        marks = set(self._marks)
        marks.symmetric_difference_update((key,))
        self.set_marks(marks)

    def action_select(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.Selected(self, self._cursor_key))
        else:
            self._say_no_row("open")

    def _say_no_row(self, verb: str) -> None:
        # Every key acts, asks or says why not: on an empty (or all filtered) table, say why.
        hidden = self.total_row_count and self.say_filtered  # else the view's own choice hides
        why = "the filter hides every row" if hidden else "the list is empty"
        self.notify(f"nothing to {verb}: {why}", severity="warning", timeout=3)

    # -- events --------------------------------------------------------------------------

    def on_mount(self) -> None:
        # ScrollView's own on_mount still runs: Textual calls the handler of every class.
        self.app.theme_changed_signal.subscribe(self, self._on_theme_changed)
        if self._gc_freeze_pending:  # rows arrived before the table was mounted
            self._schedule_gc_freeze()

    def on_unmount(self) -> None:
        # The signal keeps each callback strongly, and the bound method keeps its weak key (this
        # widget) alive: without this, every closed screen stays in memory for good.
        self.app.theme_changed_signal.unsubscribe(self)

    def _on_theme_changed(self, _theme: object) -> None:
        self._resolve.clear()
        self._invalidate_all()

    def on_focus(self) -> None:
        self._invalidate_all()

    def on_blur(self) -> None:
        self._invalidate_all()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._gen += 1

    def on_resize(self) -> None:
        self._header_cache = None
        self._line_cache.clear()
        # The vertical scrollbar's cells are kept free, so rows coming and going never make
        # the columns jump.
        available = self.size.width - self.styles.scrollbar_size_vertical
        if available != self._available:
            self._available = available
            if self._apply_layout():
                self._invalidate_all()
        self._scroll_cursor_into_view()

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y < HEADER_HEIGHT:
            column = self._column_at(offset.x + int(self.scroll_x))
            if column is not None:
                model = self._model
                reverse = model.sort_column is column and not model.sort_reverse
                self.sort_by(column.key, reverse)
            return
        row = int(self.scroll_y) + offset.y - HEADER_HEIGHT
        if 0 <= row < len(self._model):
            self._move_cursor(row)
            if event.chain >= 2:
                self.action_select()

    # -- painting ------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base = self.rich_style
        # Looked up once a frame: `size` and `scroll_offset` walk the DOM, and render_line
        # runs ~50 times a frame.
        self._frame = (self.size.width, *self.scroll_offset)
        if self._styles_gen != self._gen:
            get = self.get_component_rich_style
            self._styles = {
                "header": get("virtual-table--header"),
                "cursor": get("virtual-table--cursor", partial=True),
                "marked": get("virtual-table--marked", partial=True),
                "flash": get("virtual-table--flash", partial=True),
                "empty": get("virtual-table--empty", partial=True),
            }
            self._styles_gen = self._gen
        if not self._plain_box():
            return super().render_lines(crop)
        return self._render_lines_direct(crop)

    def _plain_box(self) -> bool:
        """True when Textual's per-line styling would leave our strips unchanged.

        `Widget.render_lines` sends every line through the styles cache, which wraps it in a
        new Strip even when there is no border, padding, tint or opacity to apply; after a
        scroll that cache is cleared, so all ~50 lines become new objects and miss every
        per-Strip cache downstream (line filters, the compositor's cuts, the driver's text).
        In the plain case we hand back our own cached Strips instead, so a one-line scroll
        builds about three new Strips rather than ~350. Anything fancier takes Textual's path.
        """
        styles = self.styles
        if self.auto_links and self.hover_style._link_id:
            return False
        return not (
            any(styles.gutter)
            or any(edge for edge, _ in styles.outline)
            or styles.tint.a
            or styles.text_opacity != 1.0
            or (styles.has_rule("hatch") and styles.hatch != "none")
            or self.opacity != 1.0
            or self.region.size != self.content_region.size
        )

    def _render_lines_direct(self, crop: Region) -> list[Strip]:
        """Textual's content-line path (`StylesCache.render`) minus the re-wrapping."""
        # Keep Textual's own line cache empty: if the styles later need its path, it must
        # not serve lines it cached before we took over.
        self._styles_cache.clear()
        base_background, background = self.background_colors
        content_width, content_height = self.content_region.size
        inner = self._styles_cache.get_inner_outer(base_background, background)[0].rich_style
        filters = self.get_line_filters()
        render_line = self.render_line
        strips: list[Strip] = []
        for y in crop.line_range:
            if y < content_height:
                strip = render_line(y).adjust_cell_length(content_width, inner)
            else:
                strip = Strip.blank(content_width, inner)
            for line_filter in filters:
                strip = strip.apply_filter(line_filter, background)
            strips.append(strip)
        if crop.column_span != (0, content_width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def render_line(self, y: int) -> Strip:
        width, scroll_x, scroll_y = self._frame
        base = self._base
        if y < HEADER_HEIGHT:
            strip = self._header_strip()
        else:
            view = self._model.view
            row = scroll_y + y - HEADER_HEIGHT
            if row >= len(view):
                if not view and y == HEADER_HEIGHT:
                    text = fit_plain(" " * GUTTER + self._empty_line(), width, "left")
                    return Strip([Segment(text, base + self._styles["empty"])], width)
                return Strip.blank(width, base)
            strip = self._row_strip(view[row])
        if scroll_x == 0 and strip.cell_length == width:
            return strip  # the common case: no crop, no copy
        return strip.crop_extend(scroll_x, scroll_x + width, base)

    def _empty_line(self) -> str:
        """What an empty view says: the view's own words, unless rows are there but a filter
        hides them all (then "none" would be untrue)."""
        hidden = self.total_row_count
        if not hidden or not self.say_filtered:
            return self.empty_text
        return f"(the filter hides {'the only row' if hidden == 1 else f'all {hidden} rows'})"

    def _row_strip(self, key: str) -> Strip:
        is_cursor = key == self._cursor_key
        marked = key in self._marks
        flash = self._flash.get(key)
        flash_columns = flash[1] if flash is not None else None
        span = max(self._width_total, self._frame[0])
        state = (self._gen, is_cursor, marked, flash_columns, span)
        cached = self._line_cache.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
        strip = self._render_row(key, is_cursor, marked, flash_columns, span)
        if len(self._line_cache) >= LINE_CACHE_LIMIT:
            self._line_cache.clear()
        self._line_cache[key] = (state, strip)
        return strip

    def _render_row(
        self,
        key: str,
        is_cursor: bool,
        marked: bool,
        flash_columns: frozenset[str] | None,
        span: int,
    ) -> Strip:
        obj = self._model.objs[key]
        styles = self._styles
        style = self._base
        if self._row_style is not None:
            try:
                extra = self._row_style(obj)
            except Exception as error:  # a style bug must not take the console down
                self.log.error(f"VirtualTable: row_style of {key!r}: {error!r}")
                extra = None
            if extra:
                style = style + self._resolve(extra)
        if marked:
            style = style + styles["marked"]
        segments = [Segment(MARK_GLYPH if marked else " " * GUTTER, style)]
        gap = Segment(" " * GAP, style)
        flash_style = styles["flash"]
        for column, width in self._layout:
            try:
                value = column.cell(obj)
            except Exception as error:  # a renderer bug must not take the console down
                self.log.error(f"VirtualTable: rendering {column.key!r} of {key!r}: {error!r}")
                value = "⚠"
            cell = cell_segments(value, width, column.align, style, self._resolve)
            if flash_columns and column.key in flash_columns:
                cell = list(Segment.apply_style(cell, post_style=flash_style))
            segments.extend(cell)
            segments.append(gap)
        used = self._table_width()
        if span > used:
            segments.append(Segment(" " * (span - used), style))
        if is_cursor:
            segments = list(Segment.apply_style(segments, post_style=styles["cursor"]))
        return Strip(segments, span)

    def _header_strip(self) -> Strip:
        span = max(self._width_total, self._frame[0])
        model = self._model
        sort_key = None if model.sort_column is None else model.sort_column.key
        state = (self._gen, sort_key, model.sort_reverse, span, self._layout_gen)
        if self._header_cache is not None and self._header_cache[0] == state:
            return self._header_cache[1]
        style = self._base + self._styles["header"]
        parts = [" " * GUTTER]
        for column, width in self._layout:
            label = sanitize(column.label)
            if column.key == sort_key:
                arrow = "▼" if model.sort_reverse else "▲"
                if cell_len(label) + 2 <= width:
                    label = f"{label} {arrow}"
                else:  # a narrow column keeps the arrow and crops the label
                    label = fit_plain(label, max(width - 1, 0), "left").rstrip() + arrow
            parts.append(fit_plain(label, width, column.align))
            parts.append(" " * GAP)
        text = "".join(parts)
        strip = Strip([Segment(fit_plain(text, span, "left"), style)], span)
        self._header_cache = (state, strip)
        return strip

    # -- internals -------------------------------------------------------------------------

    def _theme_variables(self) -> Mapping[str, str]:
        try:
            return self.app.theme_variables or self.app.get_css_variables()
        except Exception:
            return {}

    def _invalidate_all(self) -> None:
        self._gen += 1
        self._header_cache = None
        self._update_virtual_size()
        self.refresh()

    def _fit_widths(self) -> None:
        view = self._model.view[:AUTO_WIDTH_SAMPLE]
        objs = self._model.objs
        widths = []
        for column in self._columns:
            if column.width is not None:
                widths.append(max(1, column.width))
                continue
            best = cell_len(sanitize(column.label)) + 2  # room for the sort arrow
            for key in view:
                try:
                    best = max(best, cell_len(cell_plain(column, objs[key])))
                except Exception:
                    continue
            widths.append(min(best, AUTO_WIDTH_MAX))
        self._widths = widths
        self._apply_layout()

    def _apply_layout(self) -> bool:
        """Fit the columns to the available width; True if what is shown changed."""
        layout = layout_columns(self._columns, self._widths, self._available, GUTTER, GAP)
        if layout == self._layout:
            return False
        self._layout = layout
        self._layout_gen += 1
        self._width_total = GUTTER + sum(w for _, w in layout) + GAP * len(layout)
        return True

    def _table_width(self) -> int:
        return self._width_total

    def _column_at(self, x: int) -> Column | None:
        left = GUTTER
        for column, width in self._layout:
            if left <= x < left + width + GAP:
                return column
            left += width + GAP
        return None

    def _update_virtual_size(self) -> None:
        size = Size(self._table_width(), len(self._model) + HEADER_HEIGHT)
        if size != self.virtual_size:
            self.virtual_size = size

    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - HEADER_HEIGHT)

    def _visible_rows(self) -> tuple[int, int]:
        top = int(self.scroll_y)
        return top, min(len(self._model), top + self._body_height())

    def _refresh_row(self, row: int) -> None:
        line = row - int(self.scroll_y) + HEADER_HEIGHT
        if HEADER_HEIGHT <= line < self.size.height:
            self.refresh(Region(0, line, self.size.width, 1))

    def _refresh_keys(self, keys: Iterable[str]) -> None:
        """Repaint those of `keys` that are on screen (the others repaint when shown)."""
        wanted = set(keys)
        if not wanted:
            return
        top, bottom = self._visible_rows()
        view = self._model.view
        for row in range(top, bottom):
            if view[row] in wanted:
                self._refresh_row(row)

    def _move_cursor(self, row: int) -> None:
        view = self._model.view
        if not view:
            return
        row = max(0, min(row, len(view) - 1))
        old_row, old_key = self._cursor_row, self._cursor_key
        self._cursor_row = row
        self._cursor_key = view[row]
        if 0 <= old_row < len(view):
            self._refresh_row(old_row)
        self._refresh_row(row)
        self._scroll_cursor_into_view()
        if self._cursor_key != old_key:
            self.post_message(self.CursorMoved(self, self._cursor_key))

    def _restore_cursor(self, previous_key: str | None, previous_row: int) -> None:
        """After the rows moved: same key if it is still shown, else the row in its place."""
        model = self._model
        if not model.view:
            self._cursor_row, self._cursor_key = 0, None
        else:
            row = model.index_of(previous_key) if previous_key is not None else None
            if row is None:
                row = max(0, min(previous_row, len(model.view) - 1))
            self._cursor_row, self._cursor_key = row, model.view[row]
        self._scroll_cursor_into_view()
        if self._cursor_key != previous_key:
            self.post_message(self.CursorMoved(self, self._cursor_key))

    def _scroll_cursor_into_view(self) -> None:
        if not self._model.view or not self.is_mounted:
            return
        row, top, body = self._cursor_row, int(self.scroll_y), self._body_height()
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + body:
            self.scroll_to(y=row - body + 1, animate=False)

    def _prune_marks(self) -> None:
        objs = self._model.objs
        kept = {key for key in self._marks if key in objs}
        if kept != self._marks:
            self._marks = kept
            self.post_message(self.MarksChanged(self, frozenset(kept)))

    def _start_flashes(self, olds: Mapping[str, Any], added: Mapping[str, Any]) -> None:
        """Flash the changed cells of the rows on screen, all expiring on one timer."""
        top, bottom = self._visible_rows()
        if top >= bottom:
            return
        expiry = time.monotonic() + self.flash_seconds
        objs = self._model.objs
        all_columns = frozenset(column.key for column in self._columns)
        for key in self._model.view[top:bottom]:
            if key in olds:
                old, new = olds[key], objs[key]
                try:
                    columns = frozenset(
                        column.key
                        for column in self._columns
                        if cell_plain(column, old) != cell_plain(column, new)
                    )
                except Exception:
                    columns = all_columns
            elif key in added:
                columns = all_columns
            else:
                continue
            if columns:
                self._flash[key] = (expiry, columns)
        self._arm_flash_timer()

    def _arm_flash_timer(self) -> None:
        if self._flash_timer is not None or not self._flash:
            return
        soonest = min(expiry for expiry, _ in self._flash.values())
        delay = max(0.02, soonest - time.monotonic())
        self._flash_timer = self.set_timer(delay, self._expire_flashes, name="vtable-flash")

    def _expire_flashes(self) -> None:
        self._flash_timer = None
        now = time.monotonic() + 0.01
        expired = [key for key, (expiry, _) in self._flash.items() if expiry <= now]
        for key in expired:
            del self._flash[key]
        self._refresh_keys(expired)
        self._arm_flash_timer()
