"""ctrl+t recolours at once, and only themes with state colours are offered (issue 12, §1.5)."""

from __future__ import annotations

from typing import Any

from koomap_tui.ui.commands import console_commands
from koomap_tui.ui.themes import state_style
from koomap_tui.ui.widgets.summary_line import SummaryLine
from tests.ui.helpers import open_workspace, wait_for

EAST = "survey_east_2024"


def summary_colours(app: Any) -> set[str]:
    line = app.screen.query_one("#summary", SummaryLine)
    styles = [item.style for item in line._items or []]
    styles += [span.style for item in line._items or [] for span in item.spans]
    return {
        str(style.color.name)
        for style in styles
        if not isinstance(style, str) and style.color is not None
    }


async def test_ctrl_t_recolours_the_summary_line_before_any_poll(make_app: Any) -> None:
    app = make_app(fast_interval=600.0, slow_interval=600.0)
    async with app.run_test(size=(200, 40)) as pilot:
        await open_workspace(pilot, EAST)
        assert app.theme == "koomap-dark"
        running = state_style(app, "running").color
        assert running is not None and running.name in summary_colours(app)
        polls = app.hub.pollers[app.screen.source.key].total_requests

        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: app.theme == "koomap-light")
        light = state_style(app, "running").color
        assert light is not None and light != running
        await wait_for(pilot, lambda: light.name in summary_colours(app), timeout=3)
        assert running.name not in summary_colours(app)
        assert app.hub.pollers[app.screen.source.key].total_requests == polls  # no poll ran


async def test_the_palette_offers_only_themes_with_state_colours(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        themes = sorted(t.removeprefix("Switch theme: ") for t in titles if "theme" in t.lower())
        assert themes == [
            "colour-blind",
            "high-contrast",
            "koomap-dark",
            "koomap-light",
            "terminal-ansi",
        ]
        assert "nord" in app.available_themes  # Textual's own are registered, not offered
        assert "Theme" not in titles
        assert [c for c in console_commands(app, app.screen) if "nord" in c.title] == []
        seen = []
        for _ in range(5):
            await pilot.press("ctrl+t")
            await pilot.pause()
            seen.append(app.theme)
        assert sorted(seen) == themes
