"""VirtualTable, driven through Textual's Pilot; assertions read the painted lines."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.message import Message

from koomap_tui.ui.widgets.virtual_table import Column, VirtualTable, sanitize
from koomap_tui.ui.widgets.vtable_model import RowModel
from koomap_tui.ui.widgets.vtable_render import layout_columns


@dataclass(frozen=True)
class Task:
    id: str
    name: str
    state: str = "RUNNING"
    size: int = 0


def make_tasks(n: int) -> list[tuple[str, Task]]:
    return [(f"t{i:05d}", Task(f"t{i:05d}", f"task-{i:05d}", size=i % 7)) for i in range(n)]


def state_cell(task: Task) -> Text:
    return Text(f"● {task.state}", style="$error" if task.state == "FAILED" else "")


COLUMNS = [
    Column("name", "Name", 16),
    Column("state", "State", 10, render=state_cell),
    Column("size", "Size", 5, align="right"),
]


class TableApp(App[None]):
    def __init__(self, table: VirtualTable) -> None:
        super().__init__()
        self.table = table
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.table

    def on_mount(self) -> None:
        self.table.focus()

    def on_virtual_table_cursor_moved(self, message: VirtualTable.CursorMoved) -> None:
        self.messages.append(message)

    def on_virtual_table_selected(self, message: VirtualTable.Selected) -> None:
        self.messages.append(message)

    def on_virtual_table_marks_changed(self, message: VirtualTable.MarksChanged) -> None:
        self.messages.append(message)


def painted(table: VirtualTable) -> list[str]:
    """The table's lines as the compositor gets them."""
    return [strip.text for strip in table.render_lines(Region(0, 0, *table.size))]


def line_of(table: VirtualTable, needle: str) -> int:
    lines = painted(table)
    matches = [y for y, line in enumerate(lines) if needle in line]
    assert matches, f"{needle!r} not on screen:\n" + "\n".join(lines)
    return matches[0]


def styles_on_line(table: VirtualTable, y: int) -> list[tuple[str, Any]]:
    strip = table.render_lines(Region(0, y, table.size.width, 1))[0]
    return [(segment.text, segment.style) for segment in strip if segment.text.strip()]


async def test_paints_header_and_only_the_visible_rows_at_80x24() -> None:
    calls: list[str] = []

    def counted(task: Task) -> str:
        calls.append(task.id)
        return task.name

    table = VirtualTable([Column("name", "Name", 16, render=counted), *COLUMNS[1:]])
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(10_000))
        await pilot.pause()
        lines = painted(table)
        assert len(lines) == 24
        assert "Name" in lines[0] and "State" in lines[0] and "Size" in lines[0]
        assert "task-00000" in lines[1]
        assert "task-00022" in lines[23]
        assert not any("task-00023" in line for line in lines)
        # Rendering cost follows the screen, not the table: only on-screen rows were built.
        assert set(calls) <= {f"t{i:05d}" for i in range(40)}
        assert table.row_count == 10_000


async def test_empty_table_shows_placeholder_and_ignores_keys() -> None:
    table = VirtualTable(COLUMNS, empty_text="nothing here")
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "nothing here" in painted(table)[1]
        await pilot.press("down", "enter", "space", "G")
        assert table.cursor_key is None
        assert table.marked_keys == frozenset()
        assert not [m for m in app.messages if isinstance(m, VirtualTable.Selected)]


async def test_cursor_keys_move_and_post_messages() -> None:
    table = VirtualTable(COLUMNS)
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(500))
        await pilot.pause()
        await pilot.press("down", "j", "j", "k")
        assert table.cursor_key == "t00002"
        await pilot.press("G")
        assert table.cursor_key == "t00499"
        assert "task-00499" in painted(table)[-1]  # scrolled so the cursor is visible
        await pilot.press("g")
        assert table.cursor_key == "t00000"
        await pilot.press("pagedown")
        assert table.cursor_row == 23  # one screenful: 24 lines less the header
        await pilot.press("end", "home", "enter")
        await pilot.pause()
        moved = [m.key for m in app.messages if isinstance(m, VirtualTable.CursorMoved)]
        assert moved[-1] == "t00000"
        assert "t00499" in moved
        selected = [m.key for m in app.messages if isinstance(m, VirtualTable.Selected)]
        assert selected == ["t00000"]


async def test_cursor_row_is_painted_in_the_cursor_style() -> None:
    table = VirtualTable(COLUMNS)
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(50))
        await pilot.pause()
        await pilot.press("down", "down")
        y = line_of(table, "task-00002")
        other = line_of(table, "task-00005")
        cursor_bg = {style.bgcolor for _, style in styles_on_line(table, y)}
        other_bg = {style.bgcolor for _, style in styles_on_line(table, other)}
        assert cursor_bg.isdisjoint(other_bg)


async def test_sort_is_stable_shows_arrow_and_survives_changes() -> None:
    table = VirtualTable(COLUMNS)
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        rows = make_tasks(30)
        table.set_rows(rows)
        await pilot.pause()
        table.sort_by("size")
        await pilot.pause()
        order = table.keys_in_order()
        sizes = [table.get_row(k).size for k in order]
        assert sizes == sorted(sizes)
        # Stable: ties keep their previous (insertion) order.
        zeros = [k for k in order if table.get_row(k).size == 0]
        assert zeros == sorted(zeros)
        assert "Size▲" in painted(table)[0]  # narrow column: arrow kept, no space

        table.sort_by("size", reverse=True)
        await pilot.pause()
        assert "Size▼" in painted(table)[0]
        assert table.get_row(table.keys_in_order()[0]).size == 6

        # A changed row moves to where the sort wants it; an added row too.
        await pilot.press("g")
        table.apply_changes(
            added={"new": Task("new", "brand-new", size=99)},
            changed={"t00000": replace(dict(rows)["t00000"], size=50)},
        )
        await pilot.pause()
        assert table.keys_in_order()[:2] == ["new", "t00000"]
        lines = painted(table)
        assert "brand-new" in lines[1] and "task-00000" in lines[2]


async def test_cursor_stays_on_its_key_across_apply_changes() -> None:
    table = VirtualTable(COLUMNS)
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        rows = make_tasks(100)
        table.set_rows(rows)
        table.sort_by("name")
        await pilot.pause()
        assert table.move_cursor_to_key("t00050")
        await pilot.pause()
        app.messages.clear()
        # Rows that sort before the cursor arrive, others leave: the cursor keeps its task.
        table.apply_changes(
            added={f"a{i}": Task(f"a{i}", f"aaa-{i}") for i in range(10)},
            changed={"t00050": replace(dict(rows)["t00050"], state="FAILED")},
            removed=["t00001", "t00002"],
        )
        await pilot.pause()
        assert table.cursor_key == "t00050"
        assert table.cursor_row == 58
        assert "FAILED" in painted(table)[line_of(table, "task-00050")]
        assert not [m for m in app.messages if isinstance(m, VirtualTable.CursorMoved)]

        # The cursor row itself removed: the cursor takes the row now in its place.
        table.apply_changes(removed=["t00050"])
        await pilot.pause()
        assert table.cursor_key == "t00051"
        assert [m.key for m in app.messages if isinstance(m, VirtualTable.CursorMoved)] == [
            "t00051"
        ]


async def test_filter_hides_rows_and_keeps_cursor_when_possible() -> None:
    table = VirtualTable(COLUMNS)
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(100))
        await pilot.pause()
        table.move_cursor_to_key("t00021")
        table.set_filter(table.text_predicate("TASK-0002"))
        await pilot.pause()
        lines = painted(table)
        shown = [line for line in lines[1:] if "task-" in line]
        assert len(shown) == 10
        assert all("task-0002" in line for line in shown)
        assert table.cursor_key == "t00021"
        assert table.row_count == 10 and table.total_row_count == 100

        table.set_filter(lambda task: task.size == 3)
        await pilot.pause()
        assert all(table.get_row(k).size == 3 for k in table.keys_in_order())
        # A change that makes a row match again brings it back.
        table.apply_changes(changed={"t00000": Task("t00000", "task-00000", size=3)})
        await pilot.pause()
        assert "t00000" in table.keys_in_order()
        assert "task-00000" in painted(table)[1]

        table.set_filter(None)
        await pilot.pause()
        assert table.row_count == 100


async def test_a_filter_that_hides_every_row_says_so_not_that_there_are_none() -> None:
    # The audit with "3 error only" on a log of ok records read "(no recorded actions)".
    table = VirtualTable(COLUMNS, empty_text="(no recorded actions)")
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(4))
        table.set_filter(lambda task: False)
        await pilot.pause()
        assert "(the filter hides all 4 rows)" in painted(table)[1]
        table.set_rows(make_tasks(1))
        await pilot.pause()
        assert "(the filter hides the only row)" in painted(table)[1]
        table.set_rows([])
        await pilot.pause()
        assert "(no recorded actions)" in painted(table)[1]


async def test_marks_toggle_with_space_show_a_glyph_and_post_messages() -> None:
    table = VirtualTable(COLUMNS)
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(20))
        await pilot.pause()
        await pilot.press("space", "down", "down", "space")
        assert table.marked_keys == {"t00000", "t00002"}
        lines = painted(table)
        assert lines[1].startswith("* ") and lines[3].startswith("* ")
        assert lines[2].startswith("  ")
        await pilot.press("space")
        assert table.marked_keys == {"t00000"}
        table.apply_changes(removed=["t00000"])
        await pilot.pause()
        assert table.marked_keys == frozenset()
        marks = [m.marked for m in app.messages if isinstance(m, VirtualTable.MarksChanged)]
        assert marks == [
            {"t00000"},
            {"t00000", "t00002"},
            {"t00000"},
            frozenset(),
        ]


async def test_values_are_inert_text() -> None:
    hostile = "x[bold red]x[/] \x1b[31mred\x07\u202eevil"
    table = VirtualTable([Column("name", "Name [b]hdr[/b]", 60)])
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(
            [("c", Task("c", "cursor")), ("k", Task("k", hostile)), ("p", Task("p", "plain"))]
        )
        await pilot.pause()
        lines = painted(table)
        assert "Name [b]hdr[/b]" in lines[0]
        assert "x[bold red]x[/] \ufffd[31mred\ufffd\ufffdevil" in lines[2]
        assert all("\x1b" not in line and "\x07" not in line for line in lines)
        # Painted exactly like a plain row: no markup turned into bold or red.
        hostile_styles = {style for _, style in styles_on_line(table, 2)}
        assert hostile_styles == {style for _, style in styles_on_line(table, 3)}
        assert not any(style.bold for style in hostile_styles)
        # Text from a renderer keeps its styling, but not its control characters.
        table.set_columns([Column("name", "Name", 60, render=lambda t: Text(t.name, "italic"))])
        await pilot.pause()
        assert "\ufffd[31mred" in painted(table)[2]
        assert sanitize("a\nb\tc\x9b") == "a\ufffdb\ufffdc\ufffd"


async def test_theme_variables_and_row_style_colour_cells() -> None:
    table = VirtualTable(COLUMNS, row_style=lambda t: "bold" if t.size == 1 else None)
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        rows = make_tasks(5)
        rows[0] = ("t00000", Task("t00000", "task-00000", state="FAILED"))
        table.set_rows(rows)
        table.move_cursor_to_key("t00004")
        await pilot.pause()
        error = app.theme_variables["error"].lower()
        failed = [s for text, s in styles_on_line(table, 1) if "FAILED" in text]
        assert failed and failed[0].color is not None
        assert failed[0].color.triplet is not None
        assert failed[0].color.triplet.hex == error[:7]
        bold_line = line_of(table, "task-00001")
        assert all(style.bold for _, style in styles_on_line(table, bold_line))


async def test_changed_cells_flash_then_settle() -> None:
    table = VirtualTable(COLUMNS, flash_seconds=0.2)
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        rows = make_tasks(10)
        table.set_rows(rows)
        table.move_cursor_to_key("t00009")
        await pilot.pause()
        table.apply_changes(changed={"t00003": replace(dict(rows)["t00003"], state="FAILED")})
        await pilot.pause()
        y = line_of(table, "task-00003")
        flashed = {text.strip(): bool(s.reverse) for text, s in styles_on_line(table, y)}
        assert flashed["● FAILED"] is True
        assert flashed["task-00003"] is False
        await pilot.pause(0.5)
        settled = styles_on_line(table, y)
        assert not any(s.reverse for _, s in settled)


async def test_mouse_click_selects_row_and_header_click_sorts() -> None:
    table = VirtualTable(COLUMNS)
    app = TableApp(table)
    async with app.run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(50))
        await pilot.pause()
        await pilot.click(VirtualTable, offset=(5, 4))
        assert table.cursor_key == "t00003"
        await pilot.click(VirtualTable, offset=(5, 4), times=2)
        await pilot.pause()
        assert [m.key for m in app.messages if isinstance(m, VirtualTable.Selected)] == ["t00003"]
        # Header: first click sorts ascending, second descending.
        await pilot.click(VirtualTable, offset=(3, 0))
        assert (table.sort_column, table.sort_reverse) == ("name", False)
        await pilot.click(VirtualTable, offset=(3, 0))
        await pilot.pause()
        assert (table.sort_column, table.sort_reverse) == ("name", True)
        assert table.keys_in_order()[0] == "t00049"
        assert "Name ▼" in painted(table)[0]
        assert table.cursor_key == "t00003"


async def test_wide_table_scrolls_horizontally() -> None:
    wide = [Column(f"c{i}", f"Col{i}", 12, render=lambda t, i=i: f"{t.id}-c{i}") for i in range(10)]
    table = VirtualTable(wide)
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(5))
        await pilot.pause()
        assert table.virtual_size.width > 80
        assert "Col9" not in painted(table)[0]
        before = painted(table)[0]
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert table.scroll_x > 0
        assert painted(table)[0] != before  # the header scrolls with the rows
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        lines = painted(table)
        assert "Col9" in lines[0] and "t00000-c9" in lines[1]


async def test_narrow_terminal_hides_low_priority_columns_then_widens_on_resize() -> None:
    columns = [
        Column("name", "Name", 20, min_width=10, max_width=30),
        Column("state", "State", 12),
        Column("created", "Created", 16, priority=3),
        Column("updated", "Updated", 16, priority=1),
        Column("detail", "Detail", 30, min_width=12, priority=2),
    ]
    table = VirtualTable(columns)
    async with TableApp(table).run_test(size=(50, 12)) as pilot:
        table.set_rows(make_tasks(3))
        await pilot.pause()
        header = painted(table)[0]
        # 50 cells: Created goes first, then Detail; Updated stays and Name gives up cells.
        assert "Updated" in header and "Created" not in header and "Detail" not in header
        assert [c.key for c in table.shown_columns] == ["name", "state", "updated"]
        assert table.virtual_size.width <= 50  # no horizontal scrolling needed
        await pilot.resize_terminal(160, 12)
        await pilot.pause()
        header = painted(table)[0]
        assert all(label in header for label in ("Name", "State", "Created", "Updated", "Detail"))
        # the room left grows the name column up to its max_width
        assert header.index("State") - header.index("Name") == 30 + 1


class TestLayoutColumns:
    COLS = (
        Column("a", "A", 10, min_width=6, max_width=14),
        Column("b", "B", 8, priority=2),
        Column("c", "C", 8, min_width=4, priority=1),
    )

    def layout(self, available: int) -> list[tuple[str, int]]:
        shown = layout_columns(self.COLS, [10, 8, 8], available, gutter=2, gap=1)
        return [(c.key, w) for c, w in shown]

    def test_not_laid_out_yet_keeps_every_natural_width(self) -> None:
        assert self.layout(0) == [("a", 10), ("b", 8), ("c", 8)]

    def test_exact_fit_changes_nothing(self) -> None:
        assert self.layout(2 + 26 + 3) == [("a", 10), ("b", 8), ("c", 8)]

    def test_shrinks_the_roomiest_column_before_hiding_any(self) -> None:
        # a cell at a time from whichever has the most room above its minimum
        assert self.layout(27) == [("a", 8), ("b", 8), ("c", 6)]
        assert self.layout(23) == [("a", 6), ("b", 8), ("c", 4)]

    def test_hides_the_highest_priority_when_even_the_minimums_do_not_fit(self) -> None:
        assert self.layout(22) == [("a", 10), ("c", 8)]  # b gone, the rest fit as they are
        assert self.layout(12) == [("a", 9)]  # c gone too, a shrinks
        assert self.layout(10) == [("a", 7)]

    def test_never_hides_a_column_without_priority(self) -> None:
        assert self.layout(3) == [("a", 6)]

    def test_room_left_grows_columns_up_to_their_max_width(self) -> None:
        assert self.layout(40) == [("a", 14), ("b", 8), ("c", 8)]


class TestRowModel:
    def test_none_sorts_last_and_mixed_types_fall_back_to_text(self) -> None:
        model = RowModel()
        model.set_rows([("a", {"v": 3}), ("b", {"v": None}), ("c", {"v": 1})])
        model.sort_by(Column("v", "V"))
        assert model.view == ["c", "a", "b"]
        model.apply({}, {"a": {"v": "zz"}}, [])
        assert set(model.view) == {"a", "b", "c"}
        assert model.view[-1] == "b"

    def test_keys_in_the_wrong_bucket_are_still_applied(self) -> None:
        model = RowModel()
        model.set_rows([("a", {"v": 1})])
        assert model.apply({"a": {"v": 2}}, {"b": {"v": 0}}, ["missing"])
        assert model.view == ["a", "b"] and model.objs["a"] == {"v": 2}

    @settings(max_examples=60, deadline=None)
    @given(
        initial=st.dictionaries(st.integers(0, 40), st.integers(0, 5), max_size=30),
        steps=st.lists(
            st.tuples(
                st.dictionaries(st.integers(0, 60), st.integers(0, 5), max_size=6),
                st.lists(st.integers(0, 60), max_size=4),
            ),
            max_size=6,
        ),
        reverse=st.booleans(),
    )
    def test_incremental_changes_keep_sort_and_filter(
        self,
        initial: dict[int, int],
        steps: list[tuple[dict[int, int], list[int]]],
        reverse: bool,
    ) -> None:
        model = RowModel()
        model.set_rows((str(k), {"v": v}) for k, v in initial.items())
        model.sort_by(Column("v", "V"), reverse)
        model.set_filter(lambda obj: obj["v"] != 4)
        for upserts, removals in steps:
            present = set(model.objs)
            added = {str(k): {"v": v} for k, v in upserts.items() if str(k) not in present}
            changed = {str(k): {"v": v} for k, v in upserts.items() if str(k) in present}
            model.apply(added, changed, [str(k) for k in removals])
            values = [model.objs[k]["v"] for k in model.view]
            assert values == sorted(values, reverse=reverse)
            expected = {k for k, obj in model.objs.items() if obj["v"] != 4}
            assert set(model.view) == expected and len(model.view) == len(expected)
            for i, key in enumerate(model.view):
                assert model.index_of(key) == i


@pytest.mark.parametrize("align", ["left", "right", "center"])
async def test_cells_are_cropped_and_aligned_to_width(align: str) -> None:
    table = VirtualTable([Column("name", "N", 6, align=align), Column("id", "ID", 4)])  # type: ignore[arg-type]
    async with TableApp(table).run_test(size=(40, 10)) as pilot:
        table.set_rows([("a", Task("a", "ab")), ("b", Task("b", "abcdefghij"))])
        await pilot.pause()
        lines = painted(table)
        expected = {"left": "ab    ", "right": "    ab", "center": "  ab  "}[align]
        assert lines[1][2:8] == expected
        assert lines[2][2:8] == "abcde…"
        assert lines[2][9:10] == "b"


async def test_failing_renderer_or_row_style_shows_a_marker_not_a_crash() -> None:
    def broken(task: Task) -> str:
        if task.id == "t00001":
            raise ValueError("bad row")
        return task.name

    def style(task: Task) -> str | None:
        if task.id == "t00002":
            raise KeyError("no style")
        return None

    table = VirtualTable([Column("name", "Name", 16, render=broken)], row_style=style)
    async with TableApp(table).run_test(size=(40, 10)) as pilot:
        table.set_rows(make_tasks(3))
        await pilot.pause()
        lines = painted(table)
        assert "task-00000" in lines[1]
        assert "⚠" in lines[2]
        assert "task-00002" in lines[3]
        assert table.text_predicate("task-0000") is not None
        table.set_filter(table.text_predicate("task-0000"))
        await pilot.pause()
        assert table.keys_in_order() == ["t00000", "t00002"]


async def test_invalidate_rows_repaints_a_look_change_without_data_change() -> None:
    pending: set[str] = set()
    table = VirtualTable(COLUMNS, row_style=lambda t: "italic" if t.id in pending else None)
    async with TableApp(table).run_test(size=(80, 24)) as pilot:
        table.set_rows(make_tasks(10))
        await pilot.pause()
        y = line_of(table, "task-00004")
        assert not any(s.italic for _, s in styles_on_line(table, y))
        pending.add("t00004")
        table.invalidate_rows(["t00004"])
        await pilot.pause()
        assert all(s.italic for _, s in styles_on_line(table, y))
        assert len(table.all_rows()) == 10


# -- per key press cost (docs/performance.md) ------------------------------------------------


def screen_strips(app: App[None]) -> list[tuple[int, list[Any]]]:
    """What the compositor sends to the terminal: every line's segments."""
    return [(s.cell_length, list(s)) for s in app.screen._compositor.render_strips()]


async def test_direct_line_path_and_steady_scrollbar_paint_what_textual_would() -> None:
    from textual.filter import Monochrome

    keys = ["down"] * 16 + ["pagedown", "right", "end", "up", "home"]  # page: 14 rows
    frames: dict[bool, list[Any]] = {}
    for shortcut in (True, False):
        table = VirtualTable([*COLUMNS, Column("id", "Id", 70)])
        app = TableApp(table)
        # A NO_COLOR user's line filter: both paths must apply the app's filters.
        app._filters.append(Monochrome())
        async with app.run_test(size=(80, 16)) as pilot:
            table.set_rows(make_tasks(400))
            if not shortcut:  # Textual's own path for the lines and the scrollbar
                table._plain_box = lambda: False  # type: ignore[method-assign]
                table.vertical_scrollbar._paint_key = lambda crop: None  # type: ignore[attr-defined]
            await pilot.pause()
            frames[shortcut] = []
            for key in keys:
                await pilot.press(key)
                frames[shortcut].append(screen_strips(app))
    assert len(frames[True]) == len(keys)
    for step, (fast, slow) in enumerate(zip(frames[True], frames[False], strict=True)):
        assert fast == slow, f"frame after {keys[step]!r} (#{step}) differs"


async def test_one_line_scroll_reuses_the_rows_strips_and_the_scrollbar_frame() -> None:
    from koomap_tui.ui.widgets.virtual_table import SteadyScrollBar

    table = VirtualTable(COLUMNS)
    app = TableApp(table)
    async with app.run_test(size=(60, 12)) as pilot:
        table.set_rows(make_tasks(20_000 - 1))
        table.GC_FREEZE_MIN_ROWS = None  # type: ignore[misc]
        await pilot.pause()
        # Mid-table, away from a step of the scrollbar's thumb (1/8 cell per ~230 rows here).
        assert table.move_cursor_to_key("t10100")
        await pilot.pause()
        assert table.move_cursor_to_key(table.visible_keys()[0])  # top of the page
        await pilot.pause()
        region = Region(0, 0, *table.size)
        before = table.render_lines(region)
        bar = table.vertical_scrollbar
        assert isinstance(bar, SteadyScrollBar)
        bar_region = Region(0, 0, *bar.size)
        bar_before = bar.render_lines(bar_region)
        top = table.scroll_y
        for _ in range(10):  # cursor at the top of the page: every press scrolls one line
            await pilot.press("up")
        await pilot.pause()
        assert table.scroll_y == top - 10
        after = table.render_lines(region)
        # Row r moved down ten lines and is the same Strip object, except the two cursor rows.
        body = len(before) - 1
        reused = sum(after[1 + i + 10] is before[1 + i] for i in range(body - 10))
        assert reused >= body - 10 - 2
        # 20,000 rows on a 10-line page: the thumb is one cell and did not move.
        assert bar.render_lines(bar_region) is bar_before


async def test_big_load_refreezes_the_gc_once_after_painting() -> None:
    import asyncio
    import gc

    table = VirtualTable(COLUMNS)
    table.GC_FREEZE_MIN_ROWS = 50  # type: ignore[misc]
    app = TableApp(table)
    try:
        async with app.run_test(size=(60, 12)) as pilot:
            gc.unfreeze()
            VirtualTable.last_gc_freeze_ms = None
            table.set_rows(make_tasks(49))  # below the threshold: nothing scheduled
            await pilot.pause()
            await asyncio.sleep(0.4)
            assert VirtualTable.last_gc_freeze_ms is None
            assert gc.get_freeze_count() == 0
            table.set_rows(make_tasks(60))
            # Scheduled, not done inside set_rows (it runs GC_FREEZE_DELAY later, after the
            # paint); checked before yielding to the loop, since a pause on a busy machine can
            # outlast the delay.
            assert VirtualTable.last_gc_freeze_ms is None
            assert table._gc_freeze_pending is True
            for _ in range(50):
                await asyncio.sleep(0.02)
                if VirtualTable.last_gc_freeze_ms is not None:
                    break
            assert VirtualTable.last_gc_freeze_ms is not None
            assert gc.get_freeze_count() > 0
            assert table._gc_freeze_pending is False
    finally:
        gc.unfreeze()


def test_response_models_share_their_fields_set_without_sharing_changes() -> None:
    from koomap_tui.api.models import ImageInfo

    a = ImageInfo.model_validate({"image_id": "a", "image_status": "2", "image_name": "x"})
    b = ImageInfo.model_validate({"image_id": "b", "image_status": "0", "image_name": "y"})
    c = ImageInfo.model_validate({"image_id": "c", "image_status": "0"})
    assert a.model_fields_set is b.model_fields_set  # one set per combination of sent fields
    assert a.model_fields_set == {"image_id", "image_status", "image_name"}
    assert c.model_fields_set == {"image_id", "image_status"}
    d = c.model_copy(update={"user_name": "ops"})
    assert d.model_fields_set == {"image_id", "image_status", "user_name"}
    assert c.model_fields_set == {"image_id", "image_status"}
    assert c.model_dump(exclude_unset=True) == {"image_id": "c", "image_status": "0"}
    assert a == ImageInfo.model_validate({"image_id": "a", "image_status": "2", "image_name": "x"})


async def test_space_and_enter_on_an_empty_table_say_why_nothing_happens() -> None:
    table = VirtualTable(COLUMNS, id="t")
    app = TableApp(table)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.press("space", "enter")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == ["nothing to mark: the list is empty", "nothing to open: the list is empty"]
        assert not app.messages  # nothing was selected
        table.set_rows(make_tasks(3))
        table.set_filter(lambda task: False)
        await pilot.press("enter")
        await pilot.pause()
        assert [n.message for n in app._notifications][-1] == (
            "nothing to open: the filter hides every row"
        )
        table.say_filtered = False  # a filter the view chose (spurs of the selected image)
        await pilot.press("enter")
        await pilot.pause()
        assert [n.message for n in app._notifications][-1] == "nothing to open: the list is empty"
