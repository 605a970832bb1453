"""Small reusable widgets, each mounted in a tiny app and driven through Pilot."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.color import Color
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Input

from koomap_tui.domain.states import Kind
from koomap_tui.services.poller import Freshness
from koomap_tui.ui.screens.help import HelpScreen, rows_from_screen
from koomap_tui.ui.themes import DEFAULT_THEME, register_all, theme_variable_defaults
from koomap_tui.ui.widgets.dialogs import ConfirmDialog, TypedConfirmDialog
from koomap_tui.ui.widgets.freshness import HINTS, FreshnessBar, describe, format_age
from koomap_tui.ui.widgets.header_bar import HeaderBar, endpoint_host
from koomap_tui.ui.widgets.progress import TaskProgressBar, progress_cell
from koomap_tui.ui.widgets.state_text import StateText, pending_cell, state_cell
from koomap_tui.ui.widgets.summary_line import MORE, SummaryLine, clip, flow

SIZE = (100, 24)


def fresh(**changes: Any) -> Freshness:
    """The poller's own Freshness with quiet defaults: polled at t=100, next at t=103."""
    base = Freshness(
        last_ok=100.0, next_at=103.0, errors=0, last_error=None, interval=3.0, paused=False
    )
    return replace(base, **changes)


class Clock:
    def __init__(self, now: float = 100.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class WidgetApp(App[None]):
    """Registers the koomap themes and mounts whatever widgets a test hands in."""

    def __init__(self, *widgets: Widget, ctx: Any = None) -> None:
        super().__init__()
        self._widgets = widgets
        self.results: list[Any] = []
        if ctx is not None:
            self.ctx = ctx
        register_all(self)
        self.theme = DEFAULT_THEME

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **theme_variable_defaults()}

    def compose(self) -> ComposeResult:
        yield from self._widgets

    def record(self, value: Any) -> None:
        self.results.append(value)


def segments(widget: Widget) -> list[Segment]:
    """The widget's painted first line, after Textual's filters (NO_COLOR included)."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, 1))
    return list(strips[0])


def line_text(widget: Widget) -> str:
    return "".join(s.text for s in segments(widget))


def colour_of(widget: Widget, needle: str) -> str:
    for seg in segments(widget):
        if needle in seg.text and seg.style is not None and seg.style.color is not None:
            return Color.from_rich_color(seg.style.color).hex
    raise AssertionError(f"{needle!r} not painted in colour: {segments(widget)}")


# -- state cells ------------------------------------------------------------------------------
def test_state_cell_shows_glyph_label_and_theme_colour() -> None:
    variables = {"state-running": "#112233", "state-unknown": "#445566"}
    cell = state_cell(Kind.REAL3D_TASK, "RUNNING", variables)
    assert cell.plain == "● Running"
    assert str(cell.style) == "#112233"
    odd = state_cell(Kind.REAL3D_TASK, "SOMETHING_NEW", variables)
    assert odd.plain == "? SOMETHING_NEW" and str(odd.style) == "#445566"
    assert state_cell("folder", 2, variables, chinese=True).plain == "✗ 导入失败"
    assert state_cell(Kind.SATELLITE_IMAGE, "7", variables, show_label=False).plain == "⊘"


def test_pending_cell_marks_in_flight_and_expired_operations() -> None:
    variables = {"pending-mark": "#abcdef", "warning": "#fedcba"}
    mark = pending_cell("stopping", variables)
    assert mark.plain == "⏳ stopping…"
    assert mark.style.color.triplet.hex == "#abcdef" and mark.style.italic  # type: ignore[union-attr]
    late = pending_cell("stopping", variables, expired=True)
    assert late.plain == "⚠ stopping?" and late.style.color.triplet.hex == "#fedcba"  # type: ignore[union-attr]


async def test_switching_theme_live_recolours_a_state_widget() -> None:
    widget = StateText(Kind.REAL3D_TASK, "FAILED")
    app = WidgetApp(widget)
    async with app.run_test(size=SIZE) as pilot:
        assert line_text(widget).startswith("✗ Failed")
        assert colour_of(widget, "Failed") == "#FF5F6D"
        app.theme = "colour-blind"
        await pilot.pause()
        assert colour_of(widget, "Failed") == "#D55E00"
        app.theme = "koomap-light"
        await pilot.pause()
        assert colour_of(widget, "Failed") == "#C81E3A"
        widget.state = "SUCCESS"
        await pilot.pause()
        assert line_text(widget).startswith("✓ Succeeded")
        assert colour_of(widget, "Succeeded") == "#1F7A3F"


async def test_no_color_is_monochrome_but_keeps_glyph_and_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    failed = StateText(Kind.REAL3D_TASK, "FAILED", id="failed")
    running = StateText(Kind.SATELLITE_TASK, "RUNNING", id="running")
    bar = FreshnessBar(clock=Clock(110.0))
    app = WidgetApp(failed, running, bar)
    async with app.run_test(size=SIZE) as pilot:
        assert app.no_color
        bar.freshness = fresh(last_error="APIG.0201: Request timed out", errors=2)
        await pilot.pause()
        assert line_text(failed).startswith("✗ Failed")
        assert line_text(running).startswith("● Running")
        assert "✗ updated 10 s ago" in line_text(bar) and "APIG.0201" in line_text(bar)
        for widget in (failed, running, bar):
            for seg in segments(widget):
                for colour in (seg.style.color, seg.style.bgcolor) if seg.style else ():
                    if colour is not None and colour.triplet is not None:
                        r, g, b = colour.triplet
                        assert r == g == b, f"{widget.id}: {seg!r} is not grey"
        # The ANSI theme under NO_COLOR drops colour entirely instead of greying it.
        app.theme = "terminal-ansi"
        await pilot.pause()
        assert line_text(failed).startswith("✗ Failed")


async def test_without_no_color_states_really_are_coloured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    widget = StateText(Kind.REAL3D_TASK, "FAILED")
    async with WidgetApp(widget).run_test(size=SIZE):
        colour = Color.parse(colour_of(widget, "Failed"))
        assert not (colour.r == colour.g == colour.b)


# -- freshness --------------------------------------------------------------------------------
def test_freshness_wording_for_each_status() -> None:
    assert describe(None, 0).status == "waiting"
    ok = describe(fresh(), 102.0)
    assert (ok.text, ok.status) == ("updated 2 s ago · next in 1 s · 0 errors", "ok")
    stale = describe(fresh(next_at=90.0), 107.0)
    assert stale.status == "stale"
    assert stale.text == "⚠ STALE · updated 7 s ago · polling… · 0 errors"
    err = describe(fresh(errors=1, last_error="GATEWAY.0006: throttled", next_at=110.0), 104.0)
    assert err.status == "error"
    assert err.text == (
        "✗ updated 4 s ago (stale) · retry in 6 s · 1 error · last: GATEWAY.0006: throttled"
    )
    first = describe(fresh(last_ok=None, errors=3, last_error="APIG.0101: no route"), 100.0)
    assert first.text.startswith("✗ no data yet") and first.status == "error"
    paused = describe(fresh(paused=True, next_at=None), 500.0)
    assert (paused.text, paused.status) == ("updated 6 min ago · paused · 0 errors", "paused")
    assert [format_age(s) for s in (0, 59, 60, 3599, 3600, 3720)] == [
        "0 s",
        "59 s",
        "1 min",
        "59 min",
        "1 h",
        "1 h 2 min",
    ]


async def test_freshness_bar_classes_and_colours_follow_ok_stale_error() -> None:
    clock = Clock(101.0)
    bar = FreshnessBar(clock=clock)
    app = WidgetApp(bar)
    async with app.run_test(size=SIZE) as pilot:
        assert bar.has_class("-waiting")
        bar.freshness = fresh()
        await pilot.pause()
        assert bar.has_class("-ok") and not bar.has_class("-waiting")
        assert line_text(bar).strip().startswith("updated 1 s ago · next in 2 s · 0 errors  ")
        ok_colour = colour_of(bar, "updated")

        clock.now = 107.5  # older than 2 x 3 s
        bar.tick()
        await pilot.pause()
        assert bar.has_class("-stale") and not bar.has_class("-ok")
        assert colour_of(bar, "STALE") == app.theme_variables["freshness-warn"].upper()
        assert ok_colour != colour_of(bar, "STALE")

        bar.freshness = fresh(errors=4, last_error="GATEWAY.0006: slow down")
        await pilot.pause()
        assert bar.has_class("-error") and not bar.has_class("-stale")
        assert "GATEWAY.0006" in line_text(bar) and "4 errors" in line_text(bar)
        assert colour_of(bar, "GATEWAY") == app.theme_variables["freshness-error"].upper()

        bar.freshness = fresh(last_ok=107.0, next_at=110.0, errors=4)
        await pilot.pause()
        assert bar.has_class("-ok") and "4 errors" in line_text(bar)


async def test_freshness_bar_uses_one_timer_and_repaints_only_on_change() -> None:
    clock = Clock(100.2)
    bar = FreshnessBar(clock=clock)
    async with WidgetApp(bar).run_test(size=SIZE) as pilot:
        bar.freshness = fresh()
        await pilot.pause()
        assert len(bar._timers) == 1
        refreshes = 0
        original = bar.refresh

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal refreshes
            refreshes += 1
            return original(*args, **kwargs)

        bar.refresh = counting  # type: ignore[method-assign]
        bar.tick()
        clock.now = 100.6  # same whole second: same words
        bar.tick()
        assert refreshes == 0
        clock.now = 101.3
        bar.tick()
        assert refreshes == 1
        assert bar.view.text.startswith("updated 1 s ago")


@pytest.mark.parametrize(
    ("width", "hint"),
    [(120, HINTS[0]), (66, HINTS[1]), (52, HINTS[2]), (40, None)],
)
async def test_freshness_bar_keeps_the_global_keys_in_sight_as_room_allows(
    width: int, hint: str | None
) -> None:
    bar = FreshnessBar(clock=Clock(101.0))
    async with WidgetApp(bar).run_test(size=(width, 5)) as pilot:
        bar.freshness = fresh()
        await pilot.pause()
        strip = bar.render_lines(Region(0, 0, bar.outer_size.width, 1))[0]
        line = strip.text.rstrip()
        assert line.lstrip().startswith("updated 1 s ago")  # the facts always come first
        if hint is None:
            assert "help" not in line
        else:
            assert line.endswith(hint) and all(h not in line for h in HINTS if len(h) > len(hint))


def test_flow_breaks_between_items_never_inside_one() -> None:
    items = [Text("total 9"), Text("✗ FAILED 1"), Text("◔ PENDING 1"), Text("[filter: all]")]
    assert flow(items, 80).plain == "total 9  ✗ FAILED 1  ◔ PENDING 1  [filter: all]"
    assert flow(items, 24).plain.split("\n") == [
        "total 9  ✗ FAILED 1",
        "◔ PENDING 1",
        "[filter: all]",
    ]
    assert flow(items, 0).plain.count("\n") == 0  # not laid out yet: one line


async def test_summary_line_reflows_when_the_terminal_narrows() -> None:
    line = SummaryLine()
    items = [Text(f"{glyph} STATE_{i} {i}") for i, glyph in enumerate("✗◔◑⊗⊖■✓")]
    async with WidgetApp(line).run_test(size=(120, 10)) as pilot:
        line.show_items(items)
        await pilot.pause()
        assert line.size.height == 1
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        rows = [strip.text.strip() for strip in line.render_lines(Region(0, 0, 40, 4))]
        assert len([r for r in rows if r]) >= 3
        for row in filter(None, rows):  # every item whole on its line
            assert all(part.count(" ") == 2 for part in row.split("  ")), row


# -- header -----------------------------------------------------------------------------------
async def test_header_shows_prod_in_red_and_every_badge() -> None:
    header = HeaderBar(
        profile="ops",
        endpoint="https://koomap.cn-north-4.myhuaweicloud.com/v1/abc",
        env_label="PROD",
        workspace="city-2026",
        read_only=True,
        demo=True,
        tls_off=True,
    )
    app = WidgetApp(header)
    async with app.run_test(size=(140, 10)) as pilot:
        text = line_text(header)
        for part in (
            "profile ops",
            "@ koomap.cn-north-4.myhuaweicloud.com",
            " PROD ",
            "workspace city-2026",
            "READ-ONLY",
            "DEMO",
            "⚠ TLS-OFF",
        ):
            assert part in text, part
        prod = next(s for s in segments(header) if "PROD" in s.text)
        assert prod.style is not None and prod.style.bgcolor is not None
        assert Color.from_rich_color(prod.style.bgcolor).hex == "#FF5F6D"
        header.env_label = "staging"
        header.env_colour = "#00aa00"
        header.read_only = False
        await pilot.pause()
        assert header.badges() == ["staging", "DEMO", "⚠ TLS-OFF"]
        staging = next(s for s in segments(header) if "staging" in s.text)
        assert Color.from_rich_color(staging.style.bgcolor).hex == "#00AA00"  # type: ignore[union-attr]
        assert "READ-ONLY" not in line_text(header)


async def test_header_reads_unset_fields_from_app_context_and_keeps_badges_when_narrow() -> None:
    ctx = SimpleNamespace(
        profile="demo",
        endpoint="http://127.0.0.1:8123",
        env_label=None,
        env_colour=None,
        read_only=True,
        demo=True,
        tls_off=False,
    )
    header = HeaderBar(workspace="a-very-long-workspace-name-that-will-not-fit-anywhere")
    async with WidgetApp(header, ctx=ctx).run_test(size=(44, 5)):
        assert header.profile == "demo" and header.read_only and header.demo
        text = line_text(header)
        assert len(text) == 44
        assert text.rstrip().endswith("READ-ONLY   DEMO")
    assert endpoint_host("koomap.example.com:443") == "koomap.example.com:443"
    assert endpoint_host("") == ""
    with pytest.raises(TypeError, match="colour"):
        HeaderBar(colour="red")


# -- progress ---------------------------------------------------------------------------------
def test_progress_cell_text() -> None:
    assert progress_cell(0.56).plain == "█████▋" + " " * 6 + "56%"
    assert progress_cell(0.5).plain == "█████" + " " * 7 + "50%"
    assert progress_cell(0.0).plain == " " * 13 + "0%"
    assert progress_cell(1.0).plain == "██████████ 100%"
    assert progress_cell(1.7).plain == "██████████ 100%"
    assert progress_cell(0.999).plain.endswith(" 99%")  # never "100%" while still running
    assert progress_cell(None).plain.strip() == "—"
    assert progress_cell(float("nan")).plain.strip() == "—"
    for value in (None, 0.0, 0.013, 0.5, 0.999, 1.0):
        assert progress_cell(value, 8).cell_len == 8 + 5


async def test_task_progress_bar_fills_its_width() -> None:
    widget = TaskProgressBar("Modeling", 0.25)
    async with WidgetApp(widget).run_test(size=(40, 5)) as pilot:
        text = line_text(widget)
        assert text.startswith("Modeling  ") and text.endswith(" 25%")
        assert len(text) == 40 and text.count("█") == round(0.25 * (40 - 10 - 5))
        widget.progress = None
        await pilot.pause()
        assert line_text(widget).rstrip().endswith("—")


# -- dialogs ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keys", "expected"), [("y", True), ("n", False), ("escape", False), ("enter", False)]
)
async def test_confirm_dialog_keys(keys: str, expected: bool) -> None:
    app = WidgetApp()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ConfirmDialog("Stop task [b]alpha[/b]?", "Stop"), app.record)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "[b]alpha[/b]" in str(app.screen.query_one("#message").render())
        await pilot.press(keys)
        await pilot.pause()
        assert app.results == [expected]
        assert not isinstance(app.screen, ConfirmDialog)


async def test_typed_confirm_refuses_wrong_name_and_accepts_the_exact_one() -> None:
    app = WidgetApp()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TypedConfirmDialog("Delete task Alpha-1?", "Alpha-1"), app.record)
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TypedConfirmDialog)
        dialog.query_one("#typed", Input).value = "alpha-1"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog and app.results == []  # case matters
        assert dialog.query_one("#confirm").disabled
        dialog.query_one("#typed", Input).value = ""
        await pilot.press(*"Alpha-1")
        await pilot.pause()
        assert not dialog.query_one("#confirm").disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [True] and app.screen is not dialog


async def test_typed_confirm_escape_cancels() -> None:
    app = WidgetApp()
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(TypedConfirmDialog("Delete?", "x"), app.record)
        await pilot.pause()
        await pilot.press("x", "escape")
        await pilot.pause()
        assert app.results == [False]


# -- help -------------------------------------------------------------------------------------
async def test_help_lists_bindings_with_disabled_reasons_and_closes() -> None:
    rows = [
        ("s", "Start", False, "the task is running"),
        ("x", "Stop", True, None),
        ("d", "Delete", False, "read-only mode"),
        ("x", "Stop", True, None),  # duplicates (screen + app) appear once
    ]
    app = WidgetApp()
    async with app.run_test(size=SIZE) as pilot:
        for close_key in ("escape", "q", "question_mark"):
            app.push_screen(HelpScreen(rows))
            await pilot.pause()
            table = app.screen.body()
            assert table.row_count == 3
            cells = [[str(c) for c in col.cells] for col in table.columns]
            shown = [list(r) for r in zip(*cells, strict=True)]
            assert shown[0] == ["s", "Start", "✗ the task is running"]
            assert shown[1] == ["x", "Stop", "available"]
            assert shown[2] == ["d", "Delete", "✗ read-only mode"]
            await pilot.press(close_key)
            await pilot.pause()
            assert not isinstance(app.screen, HelpScreen), close_key


class GatedApp(WidgetApp):
    BINDINGS = [
        Binding("s", "start", "Start"),
        Binding("x", "stop", "Stop"),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "start" else True

    def action_start(self) -> None: ...

    def action_stop(self) -> None: ...


async def test_rows_from_screen_reports_disabled_bindings() -> None:
    app = GatedApp()
    async with app.run_test(size=SIZE):
        rows = {r.key: r for r in rows_from_screen(app.screen)}
        assert rows["s"].allowed is False and rows["s"].reason is None  # "not available now"
        assert rows["x"].allowed is True and rows["x"].reason is None


def test_clip_says_when_lines_were_cut() -> None:
    items = [Text("total 9"), Text("✗ FAILED 1"), Text("◔ PENDING 1"), Text("[filter: all]")]
    text = flow(items, 24)
    assert clip(text, 3, 24) is text  # it fits: unchanged
    assert clip(text, 2, 24).plain.split("\n") == ["total 9  ✗ FAILED 1", "◔ PENDING 1" + MORE]
    narrow = clip(flow(items, 12), 1, 12).plain
    assert narrow.endswith(MORE) and len(narrow) <= 12


async def test_a_summary_line_cut_by_its_max_height_ends_with_more() -> None:
    line = SummaryLine()
    line.styles.max_height = 2
    items = [Text(f"{glyph} STATE_{i} {i}") for i, glyph in enumerate("✗◔◑⊗⊖■✓")]
    async with WidgetApp(line).run_test(size=(40, 10)) as pilot:
        line.show_items(items)
        await pilot.pause()
        rows = [strip.text.rstrip() for strip in line.render_lines(Region(0, 0, 40, 2))]
        assert line.size.height == 2 and rows[1].endswith(MORE), rows
        await pilot.resize_terminal(200, 10)  # room for all: no mark
        await pilot.pause()
        rows = [strip.text.rstrip() for strip in line.render_lines(Region(0, 0, 200, 2))]
        assert not any(MORE in r for r in rows), rows
