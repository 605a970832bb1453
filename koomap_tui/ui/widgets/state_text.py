"""A resource state as glyph + label in its theme colour.

The glyph and the words carry the meaning; the colour only repeats it. That keeps states legible
under `NO_COLOR`, on monochrome SSH clients and for colour-blind operators.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.theme import Theme
from textual.widget import Widget

from koomap_tui.domain.states import Kind, state_info, state_key
from koomap_tui.ui.themes import state_style, theme_style

PENDING_GLYPH = "⏳"
PENDING_TIMEOUT_GLYPH = "⚠"


def state_cell(
    kind: Kind | str,
    state: object,
    variables: Mapping[str, str],
    *,
    chinese: bool = False,
    show_label: bool = True,
    words: str | None = None,
) -> Text:
    """Table-cell text for a state: "● Running" in the `state-running` colour.

    `variables` is the app's resolved theme variables (`app.theme_variables`); passing them in
    keeps this a pure function that a table can call per visible row. `words` replace the
    label (the API's own word where a column is narrow).
    """
    info = state_info(Kind(kind), state)
    label = words if words is not None else info.label_zh if chinese else info.label_en
    text = f"{info.glyph} {label}" if show_label else info.glyph
    return Text(text, style=state_style(variables, info.slug), no_wrap=True, end="")


def pending_cell(verb: str, variables: Mapping[str, str], *, expired: bool = False) -> Text:
    """The mark an item wears while an operation on it is in flight ("⏳ stopping…").

    `expired` means no poll confirmed the change in time: shown as a warning, not as done.
    """
    if expired:
        style = theme_style(variables, "warning", fallback="freshness-warn", bold=True)
        return Text(f"{PENDING_TIMEOUT_GLYPH} {verb}?", style=style, no_wrap=True, end="")
    style = theme_style(variables, "pending-mark") + Style(italic=True)
    return Text(f"{PENDING_GLYPH} {verb}…", style=style, no_wrap=True, end="")


class StateText(Widget):
    """One state, as a widget (detail screens); re-renders itself when the theme changes."""

    DEFAULT_CSS = """
    StateText {
        width: auto;
        height: 1;
    }
    """

    state: reactive[str | None] = reactive[str | None](None, layout=True)

    def __init__(
        self,
        kind: Kind | str,
        state: object = None,
        *,
        chinese: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.kind = Kind(kind)
        self.chinese = chinese
        self.set_reactive(StateText.state, None if state is None else state_key(state))

    def validate_state(self, value: object) -> str | None:
        # Enum members (including the folder IntEnum) and raw server strings all become keys.
        return None if value is None else state_key(value)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_unmount(self) -> None:
        # The signal keeps each callback strongly, and the bound method keeps its weak key (this
        # widget) alive: without this, every closed screen stays in memory for good.
        self.app.theme_changed_signal.unsubscribe(self)

    def _theme_changed(self, _theme: Theme) -> None:
        self.refresh()

    def render(self) -> Text:
        if self.state is None:
            return Text("—")
        return state_cell(self.kind, self.state, self.app.theme_variables, chinese=self.chinese)
